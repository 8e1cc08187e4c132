#pragma once
// Whether a job may be removed: only once it has finished.

#include "jobctl/job.hpp"

namespace jobctl::detail {

// Errors: job_busy unless the job has finished.
void check_removable(const JobInfo& job);

}  // namespace jobctl::detail
