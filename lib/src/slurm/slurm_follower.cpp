#include "slurm/slurm_follower.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/custom_job.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/custom_job_access.hpp"
#include "slurm/follower_launch.hpp"
#include "slurm/output_tail.hpp"
#include "slurm/request_bell.hpp"
#include "slurm/sbatch_submit.hpp"
#include "slurm/slurm_control.hpp"
#include "slurm/slurm_files.hpp"
#include "slurm/slurm_job_record.hpp"
#include "slurm/slurm_state.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstQuery{1000};     // after submission, and after an answer that changed something
constexpr milliseconds kLongestQuery{30000};  // the politest rate, for a job that changes nothing
constexpr milliseconds kEndingQuery{100};     // once the job says it is ending
constexpr milliseconds kOutputCopy{1000};     // output copied at least this often while running
constexpr milliseconds kControlRetry{5000};   // a refused resume is tried again after this

// One job of what is followed: the single job, or an array's parent or task.
struct Member {
    CustomJob job;
    std::string slurm_id;
    std::optional<unsigned> task;  // an array's task
    OutputTail out;
    OutputTail err;
    bool done = false;
    bool stop_sent = false;
    bool suspended_here = false;  // this follower suspended it and has not resumed it
    SteadyClock::time_point control_after{};
};

// The cluster's name, asked of Slurm (scontrol show config) by the first
// follower of the repository and kept in its spool for the next: a
// submission in a loop would otherwise pay a controller call per job.
std::string known_cluster_name(Repository& repository) {
    std::filesystem::path kept = table_of(repository).job_directory(0).parent_path() / "slurm-cluster";
    std::string name;
    if (std::ifstream in(kept); in && std::getline(in, name) && !name.empty()) return name;
    name = cluster_name();
    std::filesystem::path temporary = kept.string() + "." + std::to_string(::getpid());
    if (std::ofstream(temporary) << name << '\n') {
        std::error_code ignored;
        std::filesystem::rename(temporary, kept, ignored);
    }
    return name;
}

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

class Follower {
public:
    Follower(Repository& repository, JobId id);
    ~Follower();
    void run();

private:
    std::vector<Member*> leaves();
    Member* leaf_of_task(unsigned task);
    bool is_array() const { return members_.size() > 1; }
    bool all_done() const;

    bool query();
    bool apply(Member& leaf, const SlurmJobRecord& record);
    void finish_leaf(Member& leaf, JobState state, const std::string& reason, std::optional<int> exit_code,
                     std::optional<int> term_signal);
    void finish_from_script(Member& leaf, const ScriptStatus& script);
    void end_without_slurm(Member& leaf);
    void carry_out_requests();
    void copy_output();
    void settle_parent();
    void watch_folder();
    void step();
    void sleep_until_next();
    void on_file_event(const std::string& name, std::uint32_t mask);

    Repository& repository_;
    std::filesystem::path folder_;
    std::string cluster_;
    std::vector<Member> members_;  // [0]: the job followed; then an array's tasks in order
    RequestBell bell_;
    FileDescriptor inotify_;
    milliseconds interval_ = kFirstQuery;
    SteadyClock::time_point next_query_;
    SteadyClock::time_point next_copy_;
};

Follower::Follower(Repository& repository, JobId id)
    : repository_(repository),
      folder_(slurm_folder(repository, id)),
      cluster_(known_cluster_name(repository)),
      bell_(repository) {
    std::vector<JobInfo> family{*repository.find(id)};
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
    watch_folder();
    // A job its submitter has just handed over has not changed since: the
    // first question can wait. A follower that took over from a dead one
    // has missed what happened, and asks at once.
    bool just_submitted = std::ranges::all_of(
        family, [](const JobInfo& job) { return job.state == JobState::not_started && !job.began; });
    next_query_ = SteadyClock::now() + (just_submitted ? kFirstQuery : milliseconds(0));
}

Follower::~Follower() {
    // Whatever is unfinished stays so: a new follower takes it over.
    for (Member& member : members_) member.job.release();
}

std::vector<Member*> Follower::leaves() {
    std::vector<Member*> result;
    for (std::size_t index = is_array() ? 1 : 0; index < members_.size(); ++index)
        result.push_back(&members_[index]);
    return result;
}

Member* Follower::leaf_of_task(unsigned task) {
    if (!is_array()) return nullptr;
    auto found = std::ranges::find_if(members_, [&](const Member& member) { return member.task == task; });
    return found != members_.end() ? &*found : nullptr;
}

bool Follower::all_done() const {
    return std::ranges::all_of(members_, [](const Member& member) { return member.done; });
}

void Follower::watch_folder() {
    inotify_.reset(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK));
    if (inotify_ && ::inotify_add_watch(inotify_.get(), folder_.c_str(),
                                        IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
        inotify_.reset();  // then the timers alone
}

// Asks Slurm about every job followed; true if anything changed.
bool Follower::query() {
    std::optional<std::vector<SlurmJobRecord>> records;
    try {
        records = query_job(members_[0].slurm_id);
    } catch (const Error&) {
        return false;  // the controller did not answer: ask again later
    }
    std::vector<Member*> seen;
    bool changed = false;
    for (const SlurmJobRecord& record : records.value_or(std::vector<SlurmJobRecord>{})) {
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
    // A job Slurm no longer lists ended long enough ago to be forgotten.
    for (Member* leaf : leaves())
        if (!leaf->done && std::ranges::find(seen, leaf) == seen.end()) {
            end_without_slurm(*leaf);
            changed = true;
        }
    return changed;
}

bool Follower::apply(Member& leaf, const SlurmJobRecord& record) {
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

void Follower::finish_leaf(Member& leaf, JobState state, const std::string& reason,
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
void Follower::finish_from_script(Member& leaf, const ScriptStatus& script) {
    SlurmJobRecord record;
    record.job_id = leaf.slurm_id;
    record.state = script.code == 0 ? "COMPLETED" : "FAILED";
    record.reason = script.code == 0 ? "None" : "NonZeroExitCode";
    record.exit_code = script.code;
    SlurmStatus status = map_slurm_state(record);
    if (!script.node.empty()) leaf.job.set_location(cluster_ + ":" + script.node);
    finish_leaf(leaf, status.state, status.reason, status.exit_code, status.term_signal);
}

void Follower::end_without_slurm(Member& leaf) {
    if (auto status = read_script_status(slurm_file(folder_, leaf.task, std::nullopt))) {
        finish_from_script(leaf, *status);
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

void Follower::carry_out_requests() {
    auto now = SteadyClock::now();
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
            interval_ = kEndingQuery;
            next_query_ = std::min(next_query_, now + kEndingQuery);
            continue;
        }
        if (!leaf || now < member.control_after) continue;
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
                member.control_after = now + kControlRetry;
                member.job.set_state(JobState::suspended,
                                     std::string("Slurm refused the resume: ") + error.what());
            }
        }
    }
}

void Follower::copy_output() {
    for (Member* leaf : leaves())
        if (!leaf->done) {
            leaf->out.copy_new(leaf->job);
            leaf->err.copy_new(leaf->job);
        }
}

// An array's parent: Running while a task runs, its outcome once all ended.
void Follower::settle_parent() {
    Member& parent = members_[0];
    if (!is_array() || parent.done) return;
    int failed = 0, stopped = 0, running = 0, suspended = 0, unfinished = 0;
    for (Member* leaf : leaves()) {
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

void Follower::sleep_until_next() {
    auto now = SteadyClock::now();
    auto wake = std::min(next_query_, next_copy_);
    int timeout = static_cast<int>(
        std::max<std::int64_t>(0, std::chrono::duration_cast<milliseconds>(wake - now).count() + 1));
    pollfd fds[2] = {{bell_.fd(), POLLIN, 0}, {inotify_ ? inotify_.get() : -1, POLLIN, 0}};
    if (::poll(fds, 2, timeout) <= 0) return;
    if (fds[0].revents != 0) bell_.quiet();
    if (fds[1].revents == 0) return;
    alignas(inotify_event) char buffer[4096];
    ssize_t length;
    while ((length = ::read(inotify_.get(), buffer, sizeof buffer)) > 0)
        for (char* at = buffer; at < buffer + length;) {
            auto* event = reinterpret_cast<inotify_event*>(at);
            if (event->len > 0) on_file_event(event->name, event->mask);
            at += sizeof(inotify_event) + event->len;
        }
}

// What the job's files say, before Slurm is asked: a job whose output files
// appear has started; one whose status file appears has ended, with that
// status (the script writes it after the command, so the output is
// complete); an output file closed without a status means it was ended
// otherwise (cancelled, over its time), which only Slurm can tell.
void Follower::on_file_event(const std::string& name, std::uint32_t mask) {
    auto now = SteadyClock::now();
    for (Member* leaf : leaves()) {
        if (leaf->done) continue;
        if (name == slurm_file(folder_, leaf->task, std::nullopt).filename()) {
            auto status = read_script_status(slurm_file(folder_, leaf->task, std::nullopt));
            // 128 + N: a signal ended the command, which may have been Slurm's
            // (scancel, the time limit, a node failing): only Slurm can say.
            if (status && status->code <= 128) {
                finish_from_script(*leaf, *status);
            } else {
                interval_ = kEndingQuery;
                next_query_ = std::min(next_query_, now + kEndingQuery);
            }
            return;
        }
        bool output = name == slurm_file(folder_, leaf->task, OutputStream::out).filename() ||
                      name == slurm_file(folder_, leaf->task, OutputStream::err).filename();
        if (!output) continue;
        next_copy_ = now;
        JobState state = leaf->job.info().state;
        if ((mask & IN_CREATE) != 0 && (state == JobState::blocked || state == JobState::not_started)) {
            leaf->job.set_state(JobState::running, "slurm: RUNNING");
            next_query_ = std::min(next_query_, now + kFirstQuery);  // which node, and still running?
        }
        if ((mask & IN_CLOSE_WRITE) != 0) {
            interval_ = kEndingQuery;
            next_query_ = std::min(next_query_, now + kEndingQuery);
        }
        return;
    }
}

void Follower::run() {
    while (!all_done()) {
        try {
            step();
        } catch (const Error& error) {
            // A job removed meanwhile (remove --finished of an ended task):
            // nothing more to follow for it; anything else ends this follower
            // and the next look starts another.
            if (error.code() != ErrorCode::job_not_found) throw;
            for (Member& member : members_)
                if (!repository_.find(member.job.id())) member.done = true;
        }
    }
    std::error_code ignored;
    if (folder_ != table_of(repository_).job_directory(members_[0].job.id()))
        std::filesystem::remove_all(folder_,
                                    ignored);  // $JOBCTL_SLURM_SPOOL's: nothing of ours is left there
}

// One turn: ask Slurm if it is time, carry out requests, copy output, settle
// an array's parent, then sleep until the next thing to do.
void Follower::step() {
    if (SteadyClock::now() >= next_query_) {
        bool changed = query();
        interval_ = changed ? std::min(interval_, kFirstQuery) : std::min(interval_ * 2, kLongestQuery);
        next_query_ = SteadyClock::now() + interval_;
    }
    carry_out_requests();
    if (SteadyClock::now() >= next_copy_) {
        copy_output();
        next_copy_ = SteadyClock::now() + kOutputCopy;
    }
    settle_parent();
    if (!all_done()) sleep_until_next();
}

}  // namespace

int follow_slurm_job(Repository& repository, JobId id) {
    // Started with the worker's signals blocked (worker_launch.hpp): a
    // follower is an ordinary process; one that is killed is replaced.
    sigset_t signals = worker_signal_set();
    sigprocmask(SIG_UNBLOCK, &signals, nullptr);
    if (!claim_followed_jobs(repository, id)) return 0;
    Follower(repository, id).run();
    return 0;
}

}  // namespace jobctl::detail
