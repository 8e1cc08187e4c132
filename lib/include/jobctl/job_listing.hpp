#pragma once
// Listing jobs as readers should see them: liveness-checked, and a parent's
// HasMoreData true while any child has unreceived output.

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// Every job, by id, after a liveness check of each unfinished one (a job
// whose worker or host is gone is recorded Failed first).
// Errors: none of its own (a repository error while recording a lost job: system).
std::vector<JobInfo> list_jobs(Repository& repository);

// Every job, by id, as list_jobs shows it, handed to `visit` one at a time
// as the table is read: no copy of the whole table is made, so the first
// job comes at once and memory stays small whatever the table's size
// (`jobctl get` of a million jobs). A parent's HasMoreData reads its
// children through the index, up to the first with output left. `visit`
// returns false to stop. `before_first`, if given, is told the highest id
// that may come, before the first job (a table's printer sizes its Id
// column so). Errors: as list_jobs.
void for_each_job(Repository& repository, const std::function<bool(JobInfo&)>& visit,
                  const std::function<void(JobId highest)>& before_first = nullptr);

// The jobs named by `ids` that exist, by id, as list_jobs shows them. Each
// is found through the table's index, so a few jobs cost a few reads
// whatever the table's size (`jobctl get 7`); a parent's HasMoreData also
// reads its children (one read each).
// Errors: as list_jobs.
std::vector<JobInfo> find_jobs(Repository& repository, const std::vector<JobId>& ids);

// The jobs called `name`, by id, as list_jobs shows them: found through the
// table's index too (`jobctl get build`), not in a listing.
// Errors: as list_jobs.
std::vector<JobInfo> find_jobs_named(Repository& repository, const std::string& name);

// The children of `parent` among `jobs`, in id (input) order.
std::vector<JobInfo> children_of(const std::vector<JobInfo>& jobs, JobId parent);
// The children of job `parent` in the repository, in id (input) order: one
// lookup, and one read per child.
std::vector<JobInfo> children_of(Repository& repository, JobId parent);

// A job's finish hook (ProcessJobSpec::on_finish, a foreach's
// on_child_finish): its command; how it ended, once it has ("exited with
// code 0", "killed by signal 9"), "running", or empty while the job has
// not ended; and the file with its output. Nothing for a job without one.
struct FinishHook {
    std::string command;
    std::string result;
    std::filesystem::path log;
};
std::optional<FinishHook> finish_hook_of(const Repository& repository, const JobInfo& job);

}  // namespace jobctl
