#pragma once
// The repository's one Slurm follower (decision 63) is named in the file
// <spool>/slurm-follower ("PID START_TIME PID_NAMESPACE", or empty when none
// runs), and that file is also the lock (flock) under which everything that
// changes who follows what happens: starting a follower and recording it,
// handing jobs to it, taking jobs over from a dead one, and a follower's
// leaving. So a submitter never hands jobs to a follower that is leaving,
// and two processes that find a follower dead start one new follower, not two.
//
// Jobs handed to a running follower are posted to it as lines ("ID\n")
// appended to <spool>/slurm-follower.posts, which it watches and empties as
// it leaves. A file, not a folder: the spool's folders are counted against
// the jobs that may own one (sweep_orphaned_output), and one more folder
// would make every remove read the whole table.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"

namespace jobctl::detail {

class FollowerRegistry {
public:
    // Waits for the lock. Errors: system (the spool cannot be written).
    explicit FollowerRegistry(Repository& repository);
    FollowerRegistry(const FollowerRegistry&) = delete;
    FollowerRegistry& operator=(const FollowerRegistry&) = delete;

    // The follower recorded, whether it runs or not.
    std::optional<ProcessIdentity> recorded() const;
    // The follower recorded, if it runs (a live jobctl-worker).
    std::optional<ProcessIdentity> running() const;
    void record(const ProcessIdentity& follower);
    void clear();

    // Tells the follower to take job or array `id` (handed to it already).
    void post(JobId id);
    // The follower, leaving: every post taken.
    void clear_posts();

    static std::filesystem::path posts_file(Repository& repository);

private:
    Repository& repository_;
    FileDescriptor file_;  // locked while this lives
};

// In the follower: the ids posted from byte `offset` of the file on, whole
// lines only (a line being appended waits for the next read); `offset`
// moves past them. A file shorter than `offset` (emptied, or replaced) is
// read from its start. Without the lock: posts are made after the hand-over
// they announce. Lines that are not ids are skipped.
std::vector<JobId> read_posts(Repository& repository, std::uint64_t& offset);

}  // namespace jobctl::detail
