#pragma once
// Liveness: a job that is not finished but whose owner (worker or thread
// host) no longer exists can never finish. Whoever notices first marks it
// Failed ("worker lost" / "host lost"); every read and wait checks.

#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

class Liveness {
public:
    // Marks `job` Failed if its owner is gone and updates the copy; true if it did.
    static bool check(Repository& repository, JobInfo& job);
};

}  // namespace jobctl
