#pragma once
// Slurm's view of a job, as `scontrol show job -o ID` prints it: one line
// per job, per array task that has started, and one for the array tasks
// still pending together ("ArrayTaskId=2-5%2"). And, for a job slurmctld
// has already purged (MinJobAge after its end), the accounting's view.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobctl::detail {

struct SlurmJobRecord {
    // "12"; an array task "12_3"; array tasks still pending together "12_[2-5%2]".
    std::string job_id;
    std::optional<std::uint32_t> array_job_id;
    std::vector<std::uint32_t> array_tasks;  // the task ids this record stands for; empty for no array
    std::string state;                       // JobState=: "PENDING", "RUNNING", "COMPLETED", ...
    std::string reason;                      // Reason=: "None", "Priority", "NonZeroExitCode", ...
    int exit_code = 0;                       // ExitCode=CODE:SIGNAL
    int exit_signal = 0;
    std::string node_list;             // "vm"; empty until it runs
    std::string start_time, end_time;  // as Slurm prints them: "2026-11-27T15:02:16", "Unknown"
};

// The records in `scontrol show job -o` output; lines without JobId= are skipped.
std::vector<SlurmJobRecord> parse_scontrol_jobs(std::string_view text);

// "2-5%2", "[2-5%2]", "0,3,7-9", "0-10:5" → every task id listed (a
// "%N" throttle is not a task). Throws Error(cluster) for other text.
std::vector<std::uint32_t> expand_array_tasks(std::string_view text);

// `scontrol show job -o ID` (ID "12", or "12_3" for one task). None when
// Slurm says "Invalid job id specified": purged, or never submitted.
// Throws Error(cluster, "scontrol: ...") when slurmctld does not answer
// ("Unable to contact slurm controller (connect failure)" after 18 s here),
// Error(invalid_argument) for an id that is not one (slurm_job_id.hpp).
std::optional<std::vector<SlurmJobRecord>> query_job(const std::string& id);

// The records in `sacct -n -P -o JobID,State,ExitCode` output
// ("12|CANCELLED by 0|0:0"): only job_id, array_job_id, array_tasks, state
// (its first word) and the exit code are known.
std::vector<SlurmJobRecord> parse_sacct_jobs(std::string_view text);

// Where sacct reads: slurmdbd's database, or the job completion log
// (JobCompType=jobcomp/filetxt, `sacct -c`), which needs no daemon but
// records 0:0 as the exit code of a cancelled or timed-out job.
enum class AccountingSource { database, completion_log };

// `sacct -n -P -X -j ID -o JobID,State,ExitCode` (with -c for the
// completion log). None when there is no such record, or no accounting
// ("Slurm accounting storage is disabled"); Error(cluster) for other failures.
std::optional<std::vector<SlurmJobRecord>> query_accounting(
    const std::string& id, AccountingSource source = AccountingSource::database);

}  // namespace jobctl::detail
