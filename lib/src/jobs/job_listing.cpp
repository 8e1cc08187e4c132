#include "jobctl/job_listing.hpp"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <unordered_map>

#include "jobs/liveness.hpp"
#include "jobs/more_data.hpp"
#include "table/finish_hook.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// Children have none, and a worker runs one command: only a top-level
// thread or custom job may be a parent (a foreach run, a Slurm array).
// Only a family's parent has children: not a child, nor a worker's job,
// nor a job registered alone (this spares a look at it the walk).
bool could_have_children(const JobInfo& job) {
    return job.parent_id == 0 && !runs_in_worker(job.type) && !job.registered_alone;
}

}  // namespace

void detail::mark_parents_with_more_data(std::vector<JobInfo>& jobs) {
    std::unordered_map<JobId, std::size_t> index_by_id;
    for (std::size_t i = 0; i < jobs.size(); ++i) index_by_id.emplace(jobs[i].id, i);
    for (const JobInfo& job : jobs) {
        if (job.parent_id == 0 || !job.has_more_data()) continue;
        if (auto parent = index_by_id.find(job.parent_id); parent != index_by_id.end())
            jobs[parent->second].children_have_more_data = true;
    }
}

std::vector<JobInfo> list_jobs(Repository& repository) {
    std::vector<JobInfo> jobs = repository.list();
    for (JobInfo& job : jobs) Liveness::check(repository, job);
    detail::mark_parents_with_more_data(jobs);
    return jobs;
}

void for_each_job(Repository& repository, const std::function<bool(JobInfo&)>& visit,
                  const std::function<void(JobId highest)>& before_first) {
    detail::JobTable& table = detail::table_of(repository);
    table.visit_by_id(
        [&](const JobInfo& found) {
            JobInfo job = found;
            Liveness::check(repository, job);
            // Up to the first child with output left: a family of a million is not copied.
            if (could_have_children(job)) job.children_have_more_data = table.child_has_more_data(job.id);
            return visit(job);
        },
        before_first);
}

std::vector<JobInfo> find_jobs(Repository& repository, const std::vector<JobId>& ids) {
    const std::set<JobId> wanted(ids.begin(), ids.end());
    std::vector<JobInfo> jobs;
    for (JobId id : wanted)
        if (auto job = repository.find(id)) jobs.push_back(*job);
    // A parent's HasMoreData covers its children's: one walk finds them all.
    std::vector<JobId> parents;
    for (JobInfo& job : jobs) {
        Liveness::check(repository, job);
        if (could_have_children(job)) parents.push_back(job.id);  // by id: `wanted` is sorted
    }
    if (!parents.empty()) {
        std::vector<JobInfo> family = detail::table_of(repository).children_of(parents);
        for (JobInfo& job : jobs) family.push_back(job);
        detail::mark_parents_with_more_data(family);
        for (JobInfo& job : jobs)
            job.children_have_more_data =
                std::ranges::find(family, job.id, &JobInfo::id)->children_have_more_data;
    }
    return jobs;
}

std::vector<JobInfo> find_jobs_named(Repository& repository, const std::string& name) {
    std::vector<JobId> ids;
    for (const JobInfo& job : detail::table_of(repository).find_named(name)) ids.push_back(job.id);
    return find_jobs(repository, ids);
}

std::vector<JobInfo> children_of(Repository& repository, JobId parent) {
    auto job = repository.find(parent);
    if (!job || !could_have_children(*job)) return {};
    return detail::table_of(repository).children_of({parent});
}

std::vector<JobInfo> children_of(const std::vector<JobInfo>& jobs, JobId parent) {
    std::vector<JobInfo> children;
    for (const JobInfo& job : jobs)
        if (job.parent_id == parent && parent != 0) children.push_back(job);
    return children;
}

std::optional<FinishHook> finish_hook_of(const Repository& repository, const JobInfo& job) {
    const detail::JobTable& table = detail::table_of(repository);
    std::optional<std::string> command = detail::finish_hook_of(table, job);
    if (!command) return std::nullopt;
    std::filesystem::path folder = table.job_directory(job.id);
    FinishHook hook{*command, "", folder / detail::kFinishHookLog};
    std::ifstream result(folder / detail::kFinishHookResult);
    std::getline(result, hook.result);
    // "running PID": unless the process that waits for it is gone.
    if (hook.result.starts_with("running ")) {
        pid_t watcher = static_cast<pid_t>(std::atol(hook.result.c_str() + 8));
        if (watcher <= 0 || (::kill(watcher, 0) != 0 && errno == ESRCH))
            hook.result = "unknown: the process that waited for it is gone";
        else
            hook.result = "running";
    }
    return hook;
}

}  // namespace jobctl
