#include "slurm/follower_launch.hpp"

#include <string>
#include <vector>

#include "jobctl/job_listing.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/worker_launch.hpp"
#include "system/program_path.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

constexpr const char* kSlurmType = "slurm";

std::vector<JobId> family_of(Repository& repository, JobId id) {
    std::vector<JobId> ids{id};
    for (const JobInfo& child : children_of(repository, id)) ids.push_back(child.id);
    return ids;
}

}  // namespace

void launch_follower(Repository& repository, JobId id, const ProcessIdentity& from,
                     const std::filesystem::path& worker, bool caller_exits_soon) {
    std::vector<std::string> arguments{worker.string(),   kFollowSlurmFlag, "--repository",
                                       repository.name(), "--job",          std::to_string(id)};
    pid_t pid = start_worker(worker, arguments, caller_exits_soon, false);
    ProcessIdentity follower = ProcessIdentity::of(pid).value_or(ProcessIdentity{pid, 0});
    JobLifecycle lifecycle = lifecycle_of(repository);
    for (JobId member : family_of(repository, id)) lifecycle.hand_over(member, from, follower);
}

bool replace_lost_follower(Repository& repository, const JobInfo& job) {
    if (job.type != JobType::custom || job.type_name != kSlurmType || job.external_id.empty()) return false;
    std::filesystem::path worker = find_worker();
    if (!is_executable_file(worker)) return false;
    JobId followed = job.parent_id != 0 ? job.parent_id : job.id;
    ProcessIdentity dead{job.owner_pid, job.owner_start_time, job.owner_pid_namespace};
    ProcessIdentity self = ProcessIdentity::self();
    // Several processes may notice at once (and a listing notices once per
    // task of an array): the one that takes the followed job from the dead
    // owner, under the lock, starts the follower; for the others it is not lost.
    JobLifecycle lifecycle = lifecycle_of(repository);
    if (!lifecycle.hand_over(followed, dead, self)) return true;
    for (JobId member : family_of(repository, followed)) lifecycle.hand_over(member, dead, self);
    // Should the launch fail, the jobs name this process, and the next look
    // after it exits tries again.
    launch_follower(repository, followed, self, worker, false);
    return true;
}

bool claim_followed_jobs(Repository& repository, JobId id) {
    ProcessIdentity self = ProcessIdentity::self();
    JobTable& table = table_of(repository);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    for (;;) {
        std::uint32_t seen = table.change_count();
        auto job = repository.find(id);
        if (!job || job->finished()) return false;
        if (job->owner_pid == self.pid && job->owner_start_time == self.start_time) break;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds::zero()) return false;
        table.wait_for_change(seen, left);
    }
    JobLifecycle lifecycle(table);
    for (JobId member : family_of(repository, id)) lifecycle.confirm_claim(member, self);
    return true;
}

}  // namespace jobctl::detail
