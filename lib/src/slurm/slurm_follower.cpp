#include "slurm/slurm_follower.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "jobctl/error.hpp"
#include "slurm/followed_job.hpp"
#include "slurm/follower_registry.hpp"
#include "slurm/request_bell.hpp"
#include "slurm/sbatch_submit.hpp"
#include "slurm/squeue_query.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr milliseconds kFirstQuery{1000};     // after submission, and after an answer that changed something
constexpr milliseconds kLongestQuery{30000};  // the politest rate, for jobs that change nothing
constexpr milliseconds kEndingQuery{100};     // once a job says it is ending
constexpr milliseconds kOutputCopy{1000};     // output copied at least this often while running
constexpr const char* kSlurmType = "slurm";

// The cluster's name, asked of Slurm (scontrol show config) by the first
// follower of the repository and kept in its spool for the next: a
// follower started in a submission loop would otherwise pay a controller call.
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

std::vector<JobId> ids_of(const std::vector<JobInfo>& jobs) {
    std::vector<JobId> ids;
    for (const JobInfo& job : jobs) ids.push_back(job.id);
    return ids;
}

bool same_process(const JobInfo& job, const ProcessIdentity& process) {
    return job.owner_pid == process.pid && job.owner_start_time == process.start_time;
}

class Follower {
public:
    explicit Follower(Repository& repository);
    // Under the registry's lock: false if the registry names another process.
    bool take_office();
    void run();

private:
    void adopt(JobId id);
    void adopt_posts();
    void watch_posts();
    void take_over_from_the_dead();
    void ask_slurm();
    void step();
    void sleep_until_next();
    void read_file_events();
    void plan_query(AskSlurm ask);
    void drop_finished();
    bool leave();

    Repository& repository_;
    ProcessIdentity self_ = ProcessIdentity::self();
    std::string cluster_;
    std::map<JobId, std::unique_ptr<FollowedJob>> jobs_;
    RequestBell bell_;
    FileDescriptor inotify_;
    int posts_watch_ = -1;
    std::uint64_t posts_read_ = 0;                   // bytes of the posts file taken
    std::unordered_map<int, FollowedJob*> watches_;  // inotify watch → the job whose folder it is
    std::set<FollowedJob*> moved_;                   // jobs whose files moved since the last turn
    bool requests_made_ = true;  // a stop, suspend or resume was asked since the last turn
    milliseconds interval_ = kFirstQuery;
    SteadyClock::time_point next_query_ = SteadyClock::time_point::max();
    SteadyClock::time_point next_copy_;
};

Follower::Follower(Repository& repository)
    : repository_(repository),
      cluster_(known_cluster_name(repository)),
      bell_(repository),
      inotify_(::inotify_init1(IN_CLOEXEC | IN_NONBLOCK)) {}

bool Follower::take_office() {
    FollowerRegistry registry(repository_);
    auto named = registry.recorded();
    if (!named || named->pid != self_.pid || named->start_time != self_.start_time) return false;
    watch_posts();
    take_over_from_the_dead();
    adopt_posts();
    return true;
}

// Jobs whose follower died and nobody has looked at since: owned by a
// process that is gone. One listing, once, when a follower starts.
void Follower::take_over_from_the_dead() {
    JobLifecycle lifecycle = lifecycle_of(repository_);
    std::vector<JobId> taken;
    // Read a slot at a time (a table of a million jobs is not copied); taken after the read.
    table_of(repository_).visit_by_id([&](const JobInfo& job) {
        if (job.finished() || job.parent_id != 0 || job.type != JobType::custom ||
            job.type_name != kSlurmType || job.external_id.empty() || same_process(job, self_))
            return true;
        ProcessIdentity owner{job.owner_pid, job.owner_start_time, job.owner_pid_namespace};
        if (!owner.alive() && lifecycle.hand_over(job.id, owner, self_)) {
            lifecycle.hand_over(ids_of(table_of(repository_).children_of({job.id})), owner, self_);
            taken.push_back(job.id);
        }
        return true;
    });
    for (JobId id : taken) adopt(id);
}

// The posts file is watched; if it is removed or replaced (its watch
// ends), it is made and watched again, and read from its start, as it is
// at each question to Slurm from where it was read.
void Follower::watch_posts() {
    std::filesystem::path posts = FollowerRegistry::posts_file(repository_);
    FileDescriptor made(::open(posts.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    posts_read_ = 0;
    if (inotify_)
        posts_watch_ =
            ::inotify_add_watch(inotify_.get(), posts.c_str(), IN_MODIFY | IN_DELETE_SELF | IN_MOVE_SELF);
}

void Follower::adopt_posts() {
    for (JobId id : read_posts(repository_, posts_read_)) adopt(id);
}

// Takes job or array `id`, handed to this process, unless it follows it already.
void Follower::adopt(JobId id) {
    if (jobs_.contains(id)) return;
    auto job = repository_.find(id);
    if (!job || job->finished() || !same_process(*job, self_)) return;
    std::vector<JobId> family{id};
    for (const JobInfo& child : table_of(repository_).children_of({id})) family.push_back(child.id);
    lifecycle_of(repository_).confirm_claim(family, self_);
    std::unique_ptr<FollowedJob> followed;
    try {
        followed = std::make_unique<FollowedJob>(repository_, id, cluster_);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::job_not_found) throw;
        return;  // removed meanwhile
    }
    if (inotify_) {
        int watch = ::inotify_add_watch(inotify_.get(), followed->folder().c_str(),
                                        IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO);
        if (watch >= 0) watches_[watch] = followed.get();  // else the timers alone
    }
    auto now = SteadyClock::now();
    next_query_ = std::min(next_query_, followed->just_submitted() ? now + kFirstQuery : now);
    interval_ = std::min(interval_, kFirstQuery);
    requests_made_ = true;  // a stop asked before it was handed over
    jobs_.emplace(id, std::move(followed));
}

void Follower::ask_slurm() {
    adopt_posts();  // should a post have escaped the watch
    std::vector<std::string> ids;
    for (const auto& [id, job] : jobs_) ids.push_back(job->slurm_id());
    std::vector<SlurmJobRecord> records;
    try {
        records = query_jobs(ids);
    } catch (const Error&) {
        // The controller did not answer: ask again later.
        interval_ = std::min(interval_ * 2, kLongestQuery);
        return;
    }
    bool changed = false;
    for (const auto& [id, job] : jobs_) changed |= job->apply(records);
    interval_ = changed ? std::min(interval_, kFirstQuery) : std::min(interval_ * 2, kLongestQuery);
}

void Follower::plan_query(AskSlurm ask) {
    auto now = SteadyClock::now();
    if (ask == AskSlurm::within_a_second) next_query_ = std::min(next_query_, now + kFirstQuery);
    if (ask == AskSlurm::at_once_it_ends) {
        interval_ = kEndingQuery;
        next_query_ = std::min(next_query_, now + kEndingQuery);
    }
}

// Stops its watch and forgets each job that ended.
void Follower::drop_finished() {
    for (auto it = jobs_.begin(); it != jobs_.end();) {
        FollowedJob& job = *it->second;
        if (!job.done()) {
            ++it;
            continue;
        }
        for (auto watch = watches_.begin(); watch != watches_.end();)
            if (watch->second == &job) {
                ::inotify_rm_watch(inotify_.get(), watch->first);
                watch = watches_.erase(watch);
            } else {
                ++watch;
            }
        job.remove_outside_folder();
        it = jobs_.erase(it);
    }
}

// One turn: ask Slurm if it is time, carry out requests if any were made,
// copy output, settle arrays' parents, then sleep until the next thing to
// do. A turn that neither asked nor heard of requests looks only at the
// jobs whose files moved: with thousands of jobs, an output line of one
// costs no look at the others.
void Follower::step() {
    bool asked = false;
    if (!jobs_.empty() && SteadyClock::now() >= next_query_) {
        ask_slurm();
        next_query_ = SteadyClock::now() + interval_;
        asked = true;
    }
    bool everything = asked || requests_made_;
    if (everything) {
        // At each question too: a refused resume is tried again then.
        for (const auto& [id, job] : jobs_) plan_query(job->carry_out_requests());
        requests_made_ = false;
    }
    if (SteadyClock::now() >= next_copy_) {
        for (const auto& [id, job] : jobs_) job->copy_output();
        next_copy_ = SteadyClock::now() + kOutputCopy;
    }
    if (everything)
        for (const auto& [id, job] : jobs_) job->settle_parent();
    else
        for (FollowedJob* job : moved_) job->settle_parent();
    moved_.clear();
    drop_finished();
    if (!jobs_.empty()) sleep_until_next();
}

void Follower::sleep_until_next() {
    auto now = SteadyClock::now();
    auto wake = std::min(next_query_, next_copy_);
    int timeout = static_cast<int>(
        std::max<std::int64_t>(0, std::chrono::duration_cast<milliseconds>(wake - now).count() + 1));
    pollfd fds[2] = {{bell_.fd(), POLLIN, 0}, {inotify_ ? inotify_.get() : -1, POLLIN, 0}};
    if (::poll(fds, 2, timeout) <= 0) return;
    if (fds[0].revents != 0) {
        bell_.quiet();
        requests_made_ = true;
    }
    if (fds[1].revents != 0) read_file_events();
}

void Follower::read_file_events() {
    alignas(inotify_event) char buffer[4096];
    ssize_t length;
    bool posted = false;
    while ((length = ::read(inotify_.get(), buffer, sizeof buffer)) > 0)
        for (char* at = buffer; at < buffer + length;) {
            auto* event = reinterpret_cast<inotify_event*>(at);
            at += sizeof(inotify_event) + event->len;
            if (event->wd == posts_watch_) {
                if ((event->mask & (IN_IGNORED | IN_MOVE_SELF)) != 0) {
                    ::inotify_rm_watch(inotify_.get(), posts_watch_);
                    watch_posts();
                }
                posted = true;
                continue;
            }
            auto watched = watches_.find(event->wd);
            if (event->len > 0 && watched != watches_.end()) {
                plan_query(watched->second->on_file_event(event->name, event->mask));
                moved_.insert(watched->second);
            }
        }
    if (posted) adopt_posts();
}

// With nothing left to follow: leaves, unless a job was posted meanwhile
// (under the lock, no more can be), emptying the posts. A post of a job
// that is not ours, or a line that is no id, does not keep it.
bool Follower::leave() {
    FollowerRegistry registry(repository_);
    adopt_posts();
    if (!jobs_.empty()) return false;
    auto named = registry.recorded();
    if (named && named->pid == self_.pid && named->start_time == self_.start_time) {
        registry.clear_posts();
        registry.clear();
    }
    return true;
}

void Follower::run() {
    for (;;) {
        try {
            step();
        } catch (const Error& error) {
            // A job removed meanwhile (remove --finished of an ended task):
            // nothing more to follow for it; anything else ends this follower
            // and the next look starts another.
            if (error.code() != ErrorCode::job_not_found) throw;
            bool forgot = false;
            for (const auto& [id, job] : jobs_) forgot |= job->forget_removed();
            if (!forgot) throw;  // not a removal: never a loop that changes nothing
        }
        if (jobs_.empty() && leave()) return;
    }
}

// Slurm's clients read filters from their environment (SQUEUE_NAMES,
// SCANCEL_STATE, ...) that no option of ours overrides: inherited from
// whichever submitter started the follower, one would hide jobs from its
// squeue, which then takes them for purged, or keep its scancel from
// reaching them. Where the cluster is (SLURM_CONF, SLURM_CLUSTERS) stays.
void forget_client_filters() {
    std::vector<std::string> names;
    for (char** variable = environ; *variable != nullptr; ++variable) {
        std::string_view entry(*variable);
        for (std::string_view prefix : {"SQUEUE_", "SCANCEL_", "SCONTROL_", "SACCT_"})
            if (entry.starts_with(prefix)) names.emplace_back(entry.substr(0, entry.find('=')));
    }
    for (const std::string& name : names) ::unsetenv(name.c_str());
}

}  // namespace

int follow_slurm_jobs(Repository& repository) {
    // Started with the worker's signals blocked (worker_launch.hpp): a
    // follower is an ordinary process; one that is killed is replaced.
    sigset_t signals = worker_signal_set();
    sigprocmask(SIG_UNBLOCK, &signals, nullptr);
    forget_client_filters();
    Follower follower(repository);
    if (!follower.take_office()) return 0;
    follower.run();
    return 0;
}

}  // namespace jobctl::detail
