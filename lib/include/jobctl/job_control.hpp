#pragma once
// Stop-Job and Remove-Job.

#include <chrono>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

inline constexpr std::chrono::milliseconds kDefaultStopGrace{5000};

// Marks the job Stopping and asks its owner to stop it: a process job's
// worker sends SIGTERM to the command's process group, then SIGKILL after
// `grace`; a thread job sees stop_requested(). Returns at once; wait for the
// job to finish to see it Stopped. A finished job is left alone (false).
bool request_stop(Repository& repository, JobId id, std::chrono::milliseconds grace = kDefaultStopGrace);

// Removes a finished job and its spool folder. Throws Error(job_busy) for an
// unfinished job; stop it (and wait) first.
void remove_job(Repository& repository, JobId id);

}  // namespace jobctl
