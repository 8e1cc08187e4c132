#include "jobctl/job_waiting.hpp"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "jobctl/error.hpp"
#include "jobs/liveness.hpp"
#include "jobs/owner_watch.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// A few jobs are looked up one by one (one probe each); many, in one pass.
// Only the jobs whose owner `owners` does not watch get a liveness check.
std::vector<JobInfo> current_copies(Repository& repository, const std::vector<JobId>& ids,
                                    const std::unordered_set<JobId>& wanted, detail::OwnerWatch& owners) {
    constexpr std::size_t kLookUpOneByOne = 16;
    std::vector<JobInfo> jobs;
    if (ids.size() <= kLookUpOneByOne) {
        for (JobId id : wanted)
            if (auto job = repository.find(id)) jobs.push_back(*job);
        std::ranges::sort(jobs, {}, &JobInfo::id);
    } else {
        jobs = repository.list();
        std::erase_if(jobs, [&](const JobInfo& job) { return !wanted.contains(job.id); });
    }
    for (JobInfo& job : jobs)
        if (!owners.watching(job)) Liveness::check(repository, job);
    return jobs;
}

// wait_until, sleeping on the counter of the changes `wake_on`.
std::optional<std::vector<JobInfo>> wait_until_changed(Repository& repository, const std::vector<JobId>& ids,
                                                       const JobCondition& condition, Deadline deadline,
                                                       detail::JobTable::Changes wake_on) {
    const std::unordered_set<JobId> wanted(ids.begin(), ids.end());
    detail::OwnerWatch owner_watch(repository);
    for (;;) {
        std::uint32_t seen = detail::table_of(repository).change_count(wake_on);
        std::vector<JobInfo> jobs = current_copies(repository, ids, wanted, owner_watch);
        if (condition(jobs)) return jobs;
        auto remaining = std::chrono::nanoseconds(std::chrono::hours(1));
        if (deadline) {
            remaining = *deadline - std::chrono::steady_clock::now();
            if (remaining <= std::chrono::nanoseconds::zero()) return std::nullopt;
        }
        owner_watch.watch(jobs);
        // An owner we could not watch is looked at again after a while.
        if (!owner_watch.complete())
            remaining = std::min<std::chrono::nanoseconds>(remaining, std::chrono::milliseconds(100));
        detail::table_of(repository).wait_for_change(seen, remaining, wake_on);
    }
}

}  // namespace

Deadline deadline_after(std::optional<std::chrono::milliseconds> timeout) {
    if (!timeout) return std::nullopt;
    return std::chrono::steady_clock::now() + *timeout;
}

std::optional<std::vector<JobInfo>> wait_until(Repository& repository, const std::vector<JobId>& ids,
                                               const JobCondition& condition, Deadline deadline) {
    return wait_until_changed(repository, ids, condition, deadline, detail::JobTable::Changes::any);
}

namespace {

// "job 3 (build) was removed while waited on; last seen Failed (exited with code 1)"
[[noreturn]] void throw_removed(Repository& repository, JobId id,
                                const std::unordered_map<JobId, JobInfo>& last_seen) {
    detail::table_of(repository).check_intact();  // not removed: the whole table is gone
    auto seen = last_seen.find(id);
    if (seen == last_seen.end())
        throw Error(ErrorCode::job_not_found,
                    "job " + std::to_string(id) + " was removed before it could be waited on");
    const JobInfo& job = seen->second;
    throw Error(ErrorCode::job_not_found,
                "job " + std::to_string(id) + " (" + job.name + ") was removed while waited on; last seen " +
                    std::string(to_string(job.state)) + (job.reason.empty() ? "" : " (" + job.reason + ")"));
}

}  // namespace

std::optional<std::vector<JobInfo>> wait_for_jobs(Repository& repository, const std::vector<JobId>& ids,
                                                  WaitMode mode, Deadline deadline, OnRemoved on_removed) {
    const std::unordered_set<JobId> unique(ids.begin(), ids.end());  // an id named twice is one job
    const std::size_t wanted = unique.size();
    std::unordered_map<JobId, JobInfo> last_seen;
    auto condition = [&](const std::vector<JobInfo>& jobs) {
        for (const JobInfo& job : jobs) last_seen.insert_or_assign(job.id, job);
        if (on_removed == OnRemoved::fail && jobs.size() < wanted)
            for (JobId id : unique)
                if (std::ranges::none_of(jobs, [&](const JobInfo& job) { return job.id == id; }))
                    throw_removed(repository, id, last_seen);
        std::size_t finished = wanted - jobs.size();  // removed jobs count as finished (OnRemoved::finished)
        finished += static_cast<std::size_t>(std::ranges::count_if(jobs, &JobInfo::finished));
        return mode == WaitMode::all ? finished == wanted : (finished > 0 || wanted == 0);
    };
    // Finishing is a change of state: no need to wake for output.
    return wait_until_changed(repository, ids, condition, deadline, detail::JobTable::Changes::of_state);
}

}  // namespace jobctl
