#pragma once
// The worker's body (jobctl-worker): runs the command of one process job to
// its end and records the outcome.

#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Returns the worker's own exit status.
int run_process_job(Repository& repository, JobId id, const std::vector<std::string>& argv);

}  // namespace jobctl::detail
