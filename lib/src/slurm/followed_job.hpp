#pragma once
// One Slurm job, or one array and its tasks, as the repository's follower
// (slurm_follower.hpp) follows it: its jobs in the table, the files its
// batch script writes, and what Slurm last said of it. The follower asks
// Slurm and sleeps for all of them; each FollowedJob applies what concerns
// it, carries out its stop, suspend and resume requests, copies its
// output, and says when it wants Slurm asked sooner.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/custom_job.hpp"
#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "slurm/output_tail.hpp"
#include "slurm/slurm_job_record.hpp"

namespace jobctl::detail {

// When a followed job wants Slurm asked next (none: no sooner than planned).
enum class AskSlurm { as_planned, within_a_second, at_once_it_ends };

class FollowedJob {
public:
    // Takes over the jobs of job or array `id`, which this process owns.
    FollowedJob(Repository& repository, JobId id, const std::string& cluster);
    // Whatever is unfinished stays so: a new follower takes it over.
    ~FollowedJob();
    FollowedJob(const FollowedJob&) = delete;
    FollowedJob& operator=(const FollowedJob&) = delete;

    JobId id() const { return members_[0].job.id(); }
    const std::string& slurm_id() const { return members_[0].slurm_id; }
    const std::filesystem::path& folder() const { return folder_; }
    // Nothing has happened to it since its submission (Slurm need not be asked at once).
    bool just_submitted() const { return just_submitted_; }
    bool done() const;

    // Applies Slurm's records of it from one answer (those of other jobs are
    // skipped); a task or job Slurm no longer lists has ended long enough
    // ago to be forgotten. True if anything changed.
    bool apply(const std::vector<SlurmJobRecord>& records);
    AskSlurm carry_out_requests();
    void copy_output();
    // An array's parent: Running while a task runs, its outcome once all ended.
    void settle_parent();
    // A file of its folder was created, written or closed.
    AskSlurm on_file_event(const std::string& name, std::uint32_t mask);
    // Members removed from the table meanwhile (remove --finished of an
    // ended task) are done; true if there were any not forgotten before.
    bool forget_removed();
    // Once done: its $JOBCTL_SLURM_SPOOL folder, if it has one, goes.
    void remove_outside_folder();

private:
    // One job of it: the single job, or an array's parent or task.
    struct Member {
        CustomJob job;
        std::string slurm_id;
        std::optional<unsigned> task;  // an array's task
        OutputTail out;
        OutputTail err;
        bool done = false;
        bool removed = false;  // from the table, meanwhile: done, and never read again
        bool stop_sent = false;
        bool suspended_here = false;  // this follower suspended it and has not resumed it
        std::chrono::steady_clock::time_point control_after{};
    };

    std::vector<Member*> leaves();
    Member* leaf_of_task(unsigned task);
    bool is_array() const { return members_.size() > 1; }
    bool owns(const SlurmJobRecord& record) const;
    bool apply(Member& leaf, const SlurmJobRecord& record);
    void finish_leaf(Member& leaf, JobState state, const std::string& reason, std::optional<int> exit_code,
                     std::optional<int> term_signal);
    void finish_from_script(Member& leaf, int code, const std::string& node);
    void end_without_slurm(Member& leaf);
    void carry_out_suspension(Member& member, const JobInfo& job);

    Repository& repository_;
    std::filesystem::path folder_;
    std::string cluster_;
    std::vector<Member> members_;  // [0]: the job followed; then an array's tasks in order
    bool just_submitted_ = false;
};

}  // namespace jobctl::detail
