#pragma once
// Asking Slurm about many jobs in one call: `squeue --user=UID --jobs=LIST
// --states=all --array`. With one user named, squeue asks slurmctld for that
// user's jobs only (REQUEST_JOB_USER_INFO: the controller packs no other
// user's), then keeps those of the list; --array gives each array task a
// line of its own, pending or not; --states=all keeps the jobs that ended
// and are not purged yet (MinJobAge). One call answers for every job a
// follower follows, whatever their number (decision 63).

#include <string>
#include <string_view>
#include <vector>

#include "slurm/slurm_job_record.hpp"

namespace jobctl::detail {

// The fields asked of squeue (-O), each ending in '|'.
inline constexpr std::string_view kSqueueFields = "JobArrayID:|,State:|,Reason:|,exit_code:|,NodeList:|";

// The records in such output, one line each: "12|RUNNING|None|0|vm|",
// "12_3|FAILED|NonZeroExitCode|768|vm|". squeue prints the exit code as a
// wait status (768: exited with 3; 9: killed by signal 9). Lines with
// fewer fields are skipped.
std::vector<SlurmJobRecord> parse_squeue_jobs(std::string_view text);

// squeue about `ids` (each a job or an array: "12"), as this user. A job
// Slurm no longer knows (purged, or never submitted) has no record. Throws
// Error(cluster, "squeue: ...") when slurmctld does not answer,
// Error(invalid_argument) for an id that is not one (slurm_job_id.hpp).
std::vector<SlurmJobRecord> query_jobs(const std::vector<std::string>& ids);

}  // namespace jobctl::detail
