#pragma once
// Slurm jobs (`jobctl start --on slurm`): a command submitted to a Slurm
// cluster with sbatch and registered as a job of type "slurm" (a custom job,
// see custom_job.hpp), which the repository's follower (one jobctl-worker
// for all its Slurm jobs) follows until it ends: its
// state and reason follow Slurm's, its output is copied into the job's log
// as Slurm writes it, and stop, suspend and resume go to scancel and
// scontrol. Job::wait, receive and stop work on it as on any job.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// What sbatch is told beyond the command; empty or unset: Slurm's default.
struct SlurmOptions {
    std::string partition;                // --partition
    std::string time_limit;               // --time, as Slurm writes it: "30", "1:30:00", "2-00:00:00"
    std::optional<unsigned> cpus;         // --cpus-per-task
    std::string memory;                   // --mem: "512M", "4G"
    std::vector<std::string> extra_args;  // passed to sbatch as they are ("--qos=long")
};

// Submits spec.argv as one batch job and returns the registered job, with
// its Slurm job id as JobInfo::external_id. From spec.run, `cwd`, `env` and
// `stdin_file` apply (a file, not "-"); `clear_env`, `timeout` (use
// SlurmOptions::time_limit), start conditions and live stdin do not.
// spec.caller_exits_soon says how the follower is started, as for a worker.
// Errors, all before anything is left registered (the job is registered
// before sbatch runs, and erased if it fails): invalid_argument (no command,
// a bad name or option, an option that does not apply); program_not_found
// (no sbatch, or no jobctl-worker); cluster (sbatch refused the job or could
// not reach the controller: Slurm's own message). Once Slurm has the job,
// nothing more is thrown: a follower that could not start is started by the
// next look at the job.
JobInfo start_slurm_job(Repository& repository, const ProcessJobSpec& spec, const SlurmOptions& slurm,
                        const std::filesystem::path& worker_path = {});

// One Slurm job array (sbatch --array=0-K%throttle): a parent job of type
// "slurm" for the array, and a child per input, in order, whose command is
// `argv` with every "{}" replaced by the input (appended when there is none).
struct SlurmArraySpec {
    std::string name;               // the parent's; children are NAME:1, NAME:2...
    std::vector<std::string> argv;  // the command template
    std::vector<std::string> inputs;
    unsigned throttle = 0;              // at most this many tasks run at once; 0: Slurm's limit
    RunOptions run{};                   // as for start_slurm_job ("{}" is not replaced here)
    std::vector<std::string> labels{};  // the parent's and every task's
};
// Errors: as start_slurm_job; invalid_argument also for no inputs.
JobInfo start_slurm_array(Repository& repository, const SlurmArraySpec& spec, const SlurmOptions& slurm,
                          const std::filesystem::path& worker_path = {});

}  // namespace jobctl
