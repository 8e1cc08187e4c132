#pragma once
// Asking Slurm to cancel, suspend or resume a job (scancel, scontrol).

#include <optional>
#include <string>

namespace jobctl::detail {

// `scancel ID`, or with a signal `scancel --signal=SIG --full ID`: --full so
// that the batch shell gets it too, not only the job's steps (jobctl's jobs
// have none). A job that has already ended, or that Slurm has purged, is
// not an error: plain scancel says nothing and exits 0 then, and this says
// the same with a signal. Throws Error(cluster, "scancel: <Slurm's message>").
void cancel_job(const std::string& id, std::optional<int> signal = std::nullopt);

// `scontrol suspend ID`, `scontrol resume ID`. Slurm allows them to
// operators and administrators only ("Access/permission denied" for
// others), and refuses a job that is not running (suspended): Error(cluster,
// "scontrol: <Slurm's message>"), e.g. "scontrol: Job is pending execution for job 12".
void suspend_job(const std::string& id);
void resume_job(const std::string& id);

}  // namespace jobctl::detail
