#pragma once
// Stopping jobs and waiting until they are Stopped: shared by `stop` and `remove --force`.

#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

struct StopOptions {
    double grace_seconds = 5.0;
    double timeout_seconds = 15.0;
    bool wait = true;
};

// "0.5", "15": seconds as a person would write them.
std::string format_seconds(double seconds);

// Throws Error(job_busy) if a job has not finished when the timeout passes.
void stop_jobs(Repository& repository, const std::vector<JobInfo>& jobs, const StopOptions& options);

}  // namespace jobctl::cli
