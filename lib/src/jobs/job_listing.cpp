#include "jobctl/job_listing.hpp"

#include <algorithm>
#include <set>
#include <unordered_map>

#include "jobs/liveness.hpp"
#include "jobs/more_data.hpp"

namespace jobctl {

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

std::vector<JobInfo> find_jobs(Repository& repository, const std::vector<JobId>& ids) {
    const std::set<JobId> wanted(ids.begin(), ids.end());
    std::vector<JobInfo> jobs;
    for (JobId id : wanted)
        if (auto job = repository.find(id)) jobs.push_back(*job);
    // A parent's HasMoreData covers its children's: those only a listing finds.
    if (std::ranges::any_of(jobs, [](const JobInfo& job) { return !runs_in_worker(job.type); })) {
        jobs = list_jobs(repository);
        std::erase_if(jobs, [&](const JobInfo& job) { return !wanted.contains(job.id); });
        return jobs;
    }
    for (JobInfo& job : jobs) Liveness::check(repository, job);
    return jobs;
}

std::vector<JobInfo> children_of(const std::vector<JobInfo>& jobs, JobId parent) {
    std::vector<JobInfo> children;
    for (const JobInfo& job : jobs)
        if (job.parent_id == parent && parent != 0) children.push_back(job);
    return children;
}

}  // namespace jobctl
