#include "jobs/job_lookup.hpp"

#include <string>

namespace jobctl::detail {

Error job_not_found(JobId id) {
    return Error(ErrorCode::job_not_found, "no job with id " + std::to_string(id));
}

Error job_not_found(std::string_view name) {
    return Error(ErrorCode::job_not_found, "no job named '" + std::string(name) + "'");
}

JobInfo require_job(const Repository& repository, JobId id) {
    auto job = repository.find(id);
    if (!job) throw job_not_found(id);
    return *job;
}

}  // namespace jobctl::detail
