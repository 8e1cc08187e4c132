#pragma once
// Listing jobs as readers should see them: liveness-checked, and a parent's
// HasMoreData true while any child has unreceived output.

#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// Every job, by id, after a liveness check of each unfinished one (a job
// whose worker or host is gone is recorded Failed first).
// Errors: none of its own (a repository error while recording a lost job: system).
std::vector<JobInfo> list_jobs(Repository& repository);

// The jobs named by `ids` that exist, by id, as list_jobs shows them. Each
// is found by its id, so a few jobs cost a few reads whatever the table's
// size (`jobctl get 7`); a top-level job that may have children (a thread
// or custom job) costs a walk of the table in place for them, which its
// HasMoreData needs (no copy of the table: see children_of).
// Errors: as list_jobs.
std::vector<JobInfo> find_jobs(Repository& repository, const std::vector<JobId>& ids);

// The children of `parent` among `jobs`, in id (input) order.
std::vector<JobInfo> children_of(const std::vector<JobInfo>& jobs, JobId parent);
// The children of job `parent` in the repository, in id (input) order. A
// job that cannot have any (a child, a process or scheduled job, a job that
// does not exist) costs one lookup; another a walk over the table's slots
// in place, copying only its children's.
std::vector<JobInfo> children_of(Repository& repository, JobId parent);

}  // namespace jobctl
