#pragma once
// The one rule for a job that is not there. Lookups (Repository::find,
// JobTable::erase and update) say so with an empty optional or false; an
// operation on a named job (stop, remove, receive, Job::info) throws
// job_not_found (jobctl/job.hpp), so the message is the same wherever it
// comes from.

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

// The job as it is now. Errors: job_not_found.
JobInfo require_job(const Repository& repository, JobId id);

}  // namespace jobctl::detail
