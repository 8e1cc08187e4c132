#pragma once
// A Slurm job, or a whole array, is followed by one jobctl-worker (its
// "follower"), which owns every job of it. The process that submits the
// job registers it as its own, starts the follower and hands the jobs over;
// the follower claims them. A follower that dies is replaced by the next
// process that notices (Liveness), since the work goes on on the cluster.

#include <filesystem>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/process_identity.hpp"

namespace jobctl::detail {

// jobctl-worker's arguments for following job or array `id`.
inline constexpr const char* kFollowSlurmFlag = "--follow-slurm";

// Starts a follower for job or array `id` and hands it every job of it that
// `from` still owns. Errors: program_not_found (no jobctl-worker), system.
void launch_follower(Repository& repository, JobId id, const ProcessIdentity& from,
                     const std::filesystem::path& worker, bool caller_exits_soon);

// For Liveness: `job`'s owner is dead. If it is a Slurm job that Slurm runs
// (it has a Slurm id), a new follower takes it over and this returns true;
// otherwise false, and the job is lost as any other.
bool replace_lost_follower(Repository& repository, const JobInfo& job);

// In the follower: waits (a few seconds at most) until the jobs of `id` are
// handed to this process, then marks them claimed. False when another
// process owns them, or they are all finished: then there is nothing to do.
bool claim_followed_jobs(Repository& repository, JobId id);

}  // namespace jobctl::detail
