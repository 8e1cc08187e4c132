#pragma once
// The worker's body (jobctl-worker): runs the command of one process job to
// its end and records the outcome.

#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/worker_arguments.hpp"

namespace jobctl::detail {

// Returns the worker's own exit status.
int run_process_job(Repository& repository, const WorkerArguments& arguments);

}  // namespace jobctl::detail
