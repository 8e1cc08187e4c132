#pragma once
// Stopping jobs and waiting until they are Stopped: shared by `stop` and `remove --force`.

#include <chrono>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

struct StopOptions {
    std::chrono::milliseconds grace{5000};
    std::chrono::milliseconds timeout{15000};
    bool wait = true;
};

// Throws Error(job_busy) if a job has not finished when the timeout passes.
void stop_jobs(Repository& repository, const std::vector<JobInfo>& jobs, const StopOptions& options);

}  // namespace jobctl::cli
