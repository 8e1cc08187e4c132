#pragma once
// Stop-Job, Suspend-Job, Resume-Job and Remove-Job.

#include <chrono>
#include <vector>

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

// Suspend-Job: marks the job Suspending and asks its runner to stop
// (SIGSTOP) every process of its process group; it is Suspended once all
// have stopped. A foreach parent suspends its running children and holds
// back its queued ones. A job that has not started is Suspended at once and
// held back until resumed. Suspended time does not count against a time
// limit. Returns at once; false if there was nothing to do (finished,
// stopping, suspended already). Unfinished children are suspended too.
// Errors: job_not_found; invalid_argument (a library thread job: its host
// cannot freeze it from outside).
bool request_suspend(Repository& repository, JobId id);
// What request_suspend would refuse, checked for all of `jobs` before any
// is asked: a program that suspends several refuses them all or none.
// Errors: invalid_argument (an unfinished library thread job).
void check_suspendable(const std::vector<JobInfo>& jobs);

// Resume-Job: clears the request; the job is Running again (NotStarted if it
// never started) and its runner continues the group (SIGCONT). False if it
// was not suspended. Unfinished children are resumed too.
// Errors: job_not_found.
bool request_resume(Repository& repository, JobId id);

// Removes a finished job and its spool folder; a parent goes with its
// children. Stop an unfinished job (and wait) first. A job that an
// unfinished job runs after (StartConditions::after) is kept unless
// `even_if_needed`; that job then ends Failed ("dependency N was removed")
// unless it runs after any outcome.
// Errors: job_not_found; job_busy (the job or a child has not finished, or
// it is needed).
void remove_job(Repository& repository, JobId id, bool even_if_needed = false);
// What remove_job (without even_if_needed) would refuse, checked for all of
// `jobs` (copies from a listing) before any is removed: a program that
// removes several refuses them all or none.
// Errors: job_busy (one has not finished, or an unfinished job runs after it).
void check_removable(Repository& repository, const std::vector<JobInfo>& jobs);

}  // namespace jobctl
