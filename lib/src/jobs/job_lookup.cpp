#include "jobs/job_lookup.hpp"

namespace jobctl::detail {

JobInfo require_job(const Repository& repository, JobId id) {
    auto job = repository.find(id);
    if (!job) throw job_not_found(id);
    return *job;
}

}  // namespace jobctl::detail
