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
// Unfinished children of the job are asked to stop too.
// Errors: job_not_found.
bool request_stop(Repository& repository, JobId id, std::chrono::milliseconds grace = kDefaultStopGrace);

// Removes a finished job and its spool folder; a parent goes with its
// children. Stop an unfinished job (and wait) first. A job that an
// unfinished job runs after (StartConditions::after) is kept unless
// `even_if_needed`; that job then ends Failed ("dependency N was removed")
// unless it runs after any outcome.
// Errors: job_not_found; job_busy (the job or a child has not finished, or
// it is needed).
void remove_job(Repository& repository, JobId id, bool even_if_needed = false);

}  // namespace jobctl
