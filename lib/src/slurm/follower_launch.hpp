#pragma once
// Every Slurm job and array of a repository is followed by one jobctl-worker
// (its "follower", decision 63), which owns every job of them. The process
// that submits a job registers it as its own, then hands it to the running
// follower, or starts one first; the follower takes it. A follower that dies
// is replaced by the next process that notices (Liveness), since the work
// goes on on the cluster; one that has nothing left to follow exits.

#include <filesystem>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/process_identity.hpp"

namespace jobctl::detail {

// jobctl-worker's arguments for following a repository's Slurm jobs.
inline constexpr const char* kFollowSlurmFlag = "--follow-slurm";

// Hands job or array `id`, and every job of it that `from` still owns, to
// the repository's follower, started first if none runs.
// Errors: program_not_found (no jobctl-worker), system.
void hand_to_follower(Repository& repository, JobId id, const ProcessIdentity& from,
                      const std::filesystem::path& worker, bool caller_exits_soon);

// For Liveness: `job`'s owner is dead. If it is a Slurm job that Slurm runs
// (it has a Slurm id), the follower takes it over (a new one if the dead
// owner was the follower) and this returns true; otherwise false, and the
// job is lost as any other.
bool replace_lost_follower(Repository& repository, const JobInfo& job);

}  // namespace jobctl::detail
