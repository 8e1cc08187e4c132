#pragma once
// Whether a job may be removed: only once it has finished.

#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::detail {

// Errors: job_busy unless the job has finished.
void check_removable(const JobInfo& job);

// Errors: job_busy when an unfinished job among `jobs` runs after `job`.
void check_not_needed(const JobInfo& job, const std::vector<JobInfo>& jobs);

}  // namespace jobctl::detail
