#include "slurm/follower_launch.hpp"

#include <string>
#include <vector>

#include "jobctl/job_listing.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/worker_launch.hpp"
#include "slurm/follower_registry.hpp"
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

// The follower that runs, or a new one, recorded.
ProcessIdentity follower_for(FollowerRegistry& registry, Repository& repository,
                             const std::filesystem::path& worker, bool caller_exits_soon) {
    if (auto running = registry.running()) return *running;
    std::vector<std::string> arguments{worker.string(), kFollowSlurmFlag, "--repository", repository.name()};
    pid_t pid = start_worker(worker, arguments, caller_exits_soon, false);
    ProcessIdentity follower = ProcessIdentity::of(pid).value_or(ProcessIdentity{pid, 0});
    registry.record(follower);  // it waits for the lock, then finds itself recorded
    return follower;
}

}  // namespace

void hand_to_follower(Repository& repository, JobId id, const ProcessIdentity& from,
                      const std::filesystem::path& worker, bool caller_exits_soon) {
    FollowerRegistry registry(repository);
    ProcessIdentity follower = follower_for(registry, repository, worker, caller_exits_soon);
    lifecycle_of(repository).hand_over(family_of(repository, id), from, follower);
    registry.post(id);
}

bool replace_lost_follower(Repository& repository, const JobInfo& job) {
    if (job.type != JobType::custom || job.type_name != kSlurmType || job.external_id.empty()) return false;
    std::filesystem::path worker = find_worker();
    if (!is_executable_file(worker)) return false;
    JobId followed = job.parent_id != 0 ? job.parent_id : job.id;
    ProcessIdentity dead{job.owner_pid, job.owner_start_time, job.owner_pid_namespace};
    // Several processes may notice at once (and a listing notices once per
    // task of an array): under the registry's lock, the first finds the
    // job still the dead owner's and hands it on; for the others it has
    // moved on already. Should the launch fail, the jobs stay the dead
    // owner's, and the next look tries again.
    FollowerRegistry registry(repository);
    auto now = repository.find(followed);
    if (!now || now->finished() || now->owner_pid != dead.pid || now->owner_start_time != dead.start_time)
        return true;
    ProcessIdentity follower = follower_for(registry, repository, worker, false);
    lifecycle_of(repository).hand_over(family_of(repository, followed), dead, follower);
    registry.post(followed);
    return true;
}

}  // namespace jobctl::detail
