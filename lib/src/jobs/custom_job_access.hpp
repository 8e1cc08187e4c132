#pragma once
// What the library's own runners of custom jobs (the Slurm follower) may do
// that a program's custom job may not: take over a job another process
// registered.

#include "jobctl/custom_job.hpp"

namespace jobctl::detail {

class CustomJobAccess {
public:
    // A handle on an existing custom job, for the process that now owns it.
    // Its destructor leaves the job as it is (as after release()).
    static CustomJob adopt(Repository& repository, JobId id);
};

}  // namespace jobctl::detail
