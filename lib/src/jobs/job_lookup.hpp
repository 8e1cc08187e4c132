#pragma once
// The one rule for a job that is not there. Lookups (Repository::find,
// JobTable::erase and update) say so with an empty optional or false; an
// operation on a named job (stop, remove, receive, Job::info) throws the
// error made here, so the message is the same wherever it comes from.

#include <string_view>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

Error job_not_found(JobId id);               // "no job with id N"
Error job_not_found(std::string_view name);  // "no job named 'NAME'"

// The job as it is now. Errors: job_not_found.
JobInfo require_job(const Repository& repository, JobId id);

}  // namespace jobctl::detail
