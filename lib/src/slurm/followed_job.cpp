#include "slurm/followed_job.hpp"

#include <sys/inotify.h>

#include <algorithm>
#include <fstream>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/custom_job_access.hpp"
#include "slurm/slurm_control.hpp"
#include "slurm/slurm_files.hpp"
#include "slurm/slurm_state.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;
constexpr std::chrono::milliseconds kControlRetry{5000};  // a refused resume is tried again after this

// What the batch script wrote when its command returned: "STATUS NODE".
struct ScriptStatus {
    int code = 0;
    std::string node;
};
std::optional<ScriptStatus> read_script_status(const std::filesystem::path& file) {
    std::ifstream in(file);
    ScriptStatus status;
    if (!(in >> status.code)) return std::nullopt;
    in >> status.node;
    return status;
}

}  // namespace

FollowedJob::FollowedJob(Repository& repository, JobId id, const std::string& cluster)
    : repository_(repository), folder_(slurm_folder(repository, id)), cluster_(cluster) {
    auto followed = repository.find(id);
    if (!followed) throw Error(ErrorCode::job_not_found, "job " + std::to_string(id) + " not found");
    std::vector<JobInfo> family{*followed};
    for (const JobInfo& child : children_of(repository, id)) family.push_back(child);
    JobTable& table = table_of(repository);
    for (std::size_t index = 0; index < family.size(); ++index) {
        const JobInfo& job = family[index];
        // An array's children have the ids after its parent's, task by task
        // (CustomJob::add_family), whichever of them were removed since.
        std::optional<unsigned> task =
            index == 0 ? std::nullopt
                       : std::optional<unsigned>(static_cast<unsigned>(job.id - family[0].id - 1));
        CopiedBytes copied = copied_bytes(table.job_directory(job.id), job.output_bytes);
        Member member{
            CustomJobAccess::adopt(repository, job.id), job.external_id, task,
            OutputTail(slurm_file(folder_, task, OutputStream::out), OutputStream::out, copied.out),
            OutputTail(slurm_file(folder_, task, OutputStream::err), OutputStream::err, copied.err)};
        member.done = job.finished();
        // The cluster as the Location until the node is known (the submitter does not ask its name).
        if (!member.done && job.location.find(':') == std::string::npos) member.job.set_location(cluster_);
        // A stop asked before this follower took over has not reached Slurm
        // yet as far as it knows: send it (scancel again is harmless).
        member.stop_sent = false;
        member.suspended_here = job.state == JobState::suspended && job.suspend_requested;
        members_.push_back(std::move(member));
    }
    // A job its submitter has just handed over has not changed since: the
    // first question can wait. One taken over from a dead follower has
    // missed what happened, and Slurm is asked at once.
    just_submitted_ = std::ranges::all_of(
        family, [](const JobInfo& job) { return job.state == JobState::not_started && !job.began; });
}

FollowedJob::~FollowedJob() {
    for (Member& member : members_) member.job.release();
}

std::vector<FollowedJob::Member*> FollowedJob::leaves() {
    std::vector<Member*> result;
    for (std::size_t index = is_array() ? 1 : 0; index < members_.size(); ++index)
        result.push_back(&members_[index]);
    return result;
}

FollowedJob::Member* FollowedJob::leaf_of_task(unsigned task) {
    if (!is_array()) return nullptr;
    auto found = std::ranges::find_if(members_, [&](const Member& member) { return member.task == task; });
    return found != members_.end() ? &*found : nullptr;
}

bool FollowedJob::done() const {
    return std::ranges::all_of(members_, [](const Member& member) { return member.done; });
}

bool FollowedJob::owns(const SlurmJobRecord& record) const {
    if (record.array_job_id) return std::to_string(*record.array_job_id) == slurm_id();
    return record.job_id == slurm_id();
}

bool FollowedJob::apply(const std::vector<SlurmJobRecord>& records) {
    std::vector<Member*> seen;
    bool changed = false;
    for (const SlurmJobRecord& record : records) {
        if (!owns(record)) continue;
        if (!is_array()) {
            changed |= apply(members_[0], record);
            seen.push_back(&members_[0]);
            continue;
        }
        for (unsigned task : record.array_tasks)
            if (Member* leaf = leaf_of_task(task)) {
                changed |= apply(*leaf, record);
                seen.push_back(leaf);
            }
    }
    for (Member* leaf : leaves())
        if (!leaf->done && std::ranges::find(seen, leaf) == seen.end()) {
            end_without_slurm(*leaf);
            changed = true;
        }
    return changed;
}

bool FollowedJob::apply(Member& leaf, const SlurmJobRecord& record) {
    if (leaf.done) return false;
    SlurmStatus status = map_slurm_state(record);
    if (!record.node_list.empty() && record.node_list != "(null)")
        leaf.job.set_location(cluster_ + ":" + record.node_list);
    if (status.terminal) {
        finish_leaf(leaf, status.state, status.reason, status.exit_code, status.term_signal);
        return true;
    }
    JobInfo before = leaf.job.info();
    // Suspended only as this follower asked: a job Slurm shows suspended
    // otherwise (by an administrator) shows so, but is not resumed by us.
    leaf.job.set_state(status.state, status.reason);
    JobInfo after = leaf.job.info();
    return before.state != after.state || before.reason != after.reason;
}

void FollowedJob::finish_leaf(Member& leaf, JobState state, const std::string& reason,
                              std::optional<int> exit_code, std::optional<int> term_signal) {
    leaf.out.copy_new(leaf.job);
    leaf.err.copy_new(leaf.job);
    if (leaf.job.info().stop_requested && state != JobState::completed) state = JobState::stopped;
    leaf.job.finish(state, reason, exit_code, term_signal);
    leaf.done = true;
    // Everything is in the log now: the files would only take room twice.
    std::error_code ignored;
    for (auto stream : {std::optional<OutputStream>(OutputStream::out),
                        std::optional<OutputStream>(OutputStream::err), std::optional<OutputStream>()})
        std::filesystem::remove(slurm_file(folder_, leaf.task, stream), ignored);
}

// The outcome Slurm will give a job whose script wrote its status: the
// script's exit status is the command's, and it is the job's.
void FollowedJob::finish_from_script(Member& leaf, int code, const std::string& node) {
    SlurmJobRecord record;
    record.job_id = leaf.slurm_id;
    record.state = code == 0 ? "COMPLETED" : "FAILED";
    record.reason = code == 0 ? "None" : "NonZeroExitCode";
    record.exit_code = code;
    SlurmStatus status = map_slurm_state(record);
    if (!node.empty()) leaf.job.set_location(cluster_ + ":" + node);
    finish_leaf(leaf, status.state, status.reason, status.exit_code, status.term_signal);
}

void FollowedJob::end_without_slurm(Member& leaf) {
    if (auto status = read_script_status(slurm_file(folder_, leaf.task, std::nullopt))) {
        finish_from_script(leaf, status->code, status->node);
        return;
    }
    try {
        if (auto records = query_accounting(leaf.slurm_id); records && !records->empty()) {
            SlurmStatus status = map_slurm_state(records->front());
            if (status.terminal) {
                finish_leaf(leaf, status.state, status.reason, status.exit_code, status.term_signal);
                return;
            }
        }
    } catch (const Error&) {
        // No accounting either.
    }
    finish_leaf(leaf, JobState::failed,
                "Slurm no longer knows job " + leaf.slurm_id + " (purged); its outcome is unknown",
                std::nullopt, std::nullopt);
}

AskSlurm FollowedJob::carry_out_requests() {
    AskSlurm ask = AskSlurm::as_planned;
    for (Member& member : members_) {
        if (member.done) continue;
        JobInfo job = member.job.info();
        bool leaf = !is_array() || member.task.has_value();
        if (job.stop_requested && !member.stop_sent) {
            // scancel: Slurm sends SIGTERM to every process of the job, then
            // SIGKILL after its KillWait. An array's parent cancels every task.
            try {
                cancel_job(member.slurm_id, std::nullopt);
            } catch (const Error&) {
                // Already ending: the next answer says how it ended.
            }
            member.stop_sent = true;
            if (!leaf)
                for (Member* task : leaves()) task->stop_sent = true;
            ask = AskSlurm::at_once_it_ends;
            continue;
        }
        if (leaf && SteadyClock::now() >= member.control_after) carry_out_suspension(member, job);
    }
    return ask;
}

void FollowedJob::carry_out_suspension(Member& member, const JobInfo& job) {
    if (job.suspend_requested && !member.suspended_here) {
        try {
            suspend_job(member.slurm_id);
            member.suspended_here = true;
            member.job.set_state(JobState::suspended, "slurm: SUSPENDED");
        } catch (const Error& error) {
            member.job.refuse_suspend(std::string("Slurm refused the suspend: ") + error.what());
        }
    } else if (!job.suspend_requested && member.suspended_here) {
        try {
            resume_job(member.slurm_id);
            member.suspended_here = false;
            member.job.set_state(JobState::running, "slurm: RUNNING");
        } catch (const Error& error) {
            member.control_after = SteadyClock::now() + kControlRetry;
            member.job.set_state(JobState::suspended,
                                 std::string("Slurm refused the resume: ") + error.what());
        }
    }
}

void FollowedJob::copy_output() {
    for (Member* leaf : leaves())
        if (!leaf->done) {
            leaf->out.copy_new(leaf->job);
            leaf->err.copy_new(leaf->job);
        }
}

void FollowedJob::settle_parent() {
    Member& parent = members_[0];
    if (!is_array() || parent.done) return;
    int failed = 0, stopped = 0, running = 0, suspended = 0, unfinished = 0;
    for (Member* leaf : leaves()) {
        if (leaf->removed) continue;  // it had ended: removal needs that, or a stop first
        JobInfo job = leaf->job.info();
        failed += job.state == JobState::failed;
        stopped += job.state == JobState::stopped;
        if (job.finished()) continue;
        ++unfinished;
        running += job.state == JobState::running || job.state == JobState::stopping;
        suspended += job.state == JobState::suspended;
    }
    int tasks = static_cast<int>(members_.size() - 1);
    if (unfinished == 0) {
        if (failed > 0)
            parent.job.finish(JobState::failed,
                              std::to_string(failed) + " of " + std::to_string(tasks) + " tasks failed");
        else if (stopped > 0 || parent.job.info().stop_requested)
            parent.job.finish(JobState::stopped,
                              std::to_string(stopped) + " of " + std::to_string(tasks) + " tasks stopped");
        else
            parent.job.finish(JobState::completed);
        parent.done = true;
    } else if (running > 0) {
        parent.job.set_state(JobState::running, "slurm: " + std::to_string(running) + " of " +
                                                    std::to_string(tasks) + " tasks running");
    } else if (suspended == unfinished) {
        parent.job.set_state(JobState::suspended, "slurm: SUSPENDED");
    } else {
        parent.job.set_state(JobState::blocked, "slurm: PENDING");
    }
}

// What the job's files say, before Slurm is asked: a job whose output files
// appear has started; one whose status file appears has ended, with that
// status (the script writes it after the command, so the output is
// complete); an output file closed without a status means it was ended
// otherwise (cancelled, over its time), which only Slurm can tell.
AskSlurm FollowedJob::on_file_event(const std::string& name, std::uint32_t mask) {
    for (Member* leaf : leaves()) {
        if (leaf->done) continue;
        if (name == slurm_file(folder_, leaf->task, std::nullopt).filename()) {
            auto status = read_script_status(slurm_file(folder_, leaf->task, std::nullopt));
            // 128 + N: a signal ended the command, which may have been Slurm's
            // (scancel, the time limit, a node failing): only Slurm can say.
            if (!status || status->code > 128) return AskSlurm::at_once_it_ends;
            finish_from_script(*leaf, status->code, status->node);
            return AskSlurm::as_planned;
        }
        bool output = name == slurm_file(folder_, leaf->task, OutputStream::out).filename() ||
                      name == slurm_file(folder_, leaf->task, OutputStream::err).filename();
        if (!output) continue;
        leaf->out.copy_new(leaf->job);
        leaf->err.copy_new(leaf->job);
        if ((mask & IN_CLOSE_WRITE) != 0) return AskSlurm::at_once_it_ends;
        JobState state = leaf->job.info().state;
        if ((mask & IN_CREATE) != 0 && (state == JobState::blocked || state == JobState::not_started)) {
            leaf->job.set_state(JobState::running, "slurm: RUNNING");
            return AskSlurm::within_a_second;  // which node, and still running?
        }
        return AskSlurm::as_planned;
    }
    return AskSlurm::as_planned;
}

bool FollowedJob::forget_removed() {
    bool forgot = false;
    for (Member& member : members_)
        if (!member.removed && !repository_.find(member.job.id()))
            forgot = member.done = member.removed = true;
    return forgot;
}

void FollowedJob::remove_outside_folder() {
    std::error_code ignored;
    if (folder_ != table_of(repository_).job_directory(id()))
        std::filesystem::remove_all(folder_,
                                    ignored);  // $JOBCTL_SLURM_SPOOL's: nothing of ours is left there
}

}  // namespace jobctl::detail
