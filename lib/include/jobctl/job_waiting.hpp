#pragma once
// Waiting on jobs through the repository: no polling and no lock held while
// asleep. A waiter wakes on every change, when an awaited job's owner dies,
// or when its deadline passes.

#include <chrono>
#include <functional>
#include <optional>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

using Deadline = std::optional<std::chrono::steady_clock::time_point>;  // nullopt: never

Deadline deadline_after(std::optional<std::chrono::milliseconds> timeout);

// Current copies of the jobs named by `ids` (liveness-checked); a removed job is absent.
using JobCondition = std::function<bool(const std::vector<JobInfo>& jobs)>;

// Waits until `condition` holds for the jobs named by `ids`. Returns their
// copies when it does, nullopt when the deadline passes first. The
// condition is checked after every change of the repository.
// Errors: system (a failed wait).
std::optional<std::vector<JobInfo>> wait_until(Repository& repository, const std::vector<JobId>& ids,
                                               const JobCondition& condition, Deadline deadline);

enum class WaitMode { all, any };

// What a job removed (or evicted) before the wait saw it finish means.
enum class OnRemoved {
    fail,     // the wait fails: nobody saw how the job ended
    finished  // it counts as finished (a stop, which only needs it gone)
};

// Waits until all (or any) of the jobs have finished.
// Errors: job_not_found when a job was removed before this wait saw it
// finish (OnRemoved::fail): "job 3 (build) was removed while waited on;
// last seen Failed (exited with code 1)"; system.
std::optional<std::vector<JobInfo>> wait_for_jobs(Repository& repository, const std::vector<JobId>& ids,
                                                  WaitMode mode, Deadline deadline,
                                                  OnRemoved on_removed = OnRemoved::fail);

}  // namespace jobctl
