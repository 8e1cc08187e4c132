#include "process_jobs/start_gate.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string>
#include <vector>

#include "jobctl/error.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobs/liveness.hpp"
#include "jobs/queue_turns.hpp"
#include "process_jobs/command_run.hpp"
#include "system/file_descriptor.hpp"
#include "system/namespaces.hpp"
#include "system/pidfd.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

bool asked_to_stop(const JobInfo& job) {
    return job.stop_requested || job.state == JobState::stopping;
}

void end_stopped(Repository& repository, JobId id) {
    finish_job(repository, id, JobState::stopped, "stopped before it started", std::nullopt, 0);
}

// Why the job must not run, once a dependency has ended other than
// Completed (or was removed, which says nothing about how it ended); empty
// while it may still run.
std::string dependency_failure(const std::vector<JobInfo>& jobs, const StartConditions& when) {
    if (when.after_any_outcome) return "";
    for (JobId id : when.after) {
        auto dependency = std::ranges::find(jobs, id, &JobInfo::id);
        if (dependency == jobs.end()) return "dependency " + std::to_string(id) + " was removed";
        if (dependency->finished() && dependency->state != JobState::completed)
            return "dependency " + std::to_string(id) + " (" + dependency->name + ") ended " +
                   std::string(to_string(dependency->state));
    }
    return "";
}

// Phase one: until every job of `when.after` has finished. False if the job
// ended here.
bool wait_for_dependencies(Repository& repository, JobId id, const StartConditions& when) {
    std::vector<JobId> ids = when.after;
    ids.push_back(id);
    auto ready = [&](const std::vector<JobInfo>& jobs) {
        auto self = std::ranges::find(jobs, id, &JobInfo::id);
        if (self == jobs.end() || self->finished() || asked_to_stop(*self)) return true;
        if (!dependency_failure(jobs, when).empty()) return true;
        return std::ranges::all_of(jobs, [&](const JobInfo& job) { return job.id == id || job.finished(); });
    };
    std::vector<JobInfo> jobs = *wait_until(repository, ids, ready, std::nullopt);
    auto self = std::ranges::find(jobs, id, &JobInfo::id);
    if (self == jobs.end() || self->finished()) return false;
    if (asked_to_stop(*self)) {
        end_stopped(repository, id);
        return false;
    }
    if (std::string failure = dependency_failure(jobs, when); !failure.empty()) {
        finish_job(repository, id, JobState::failed, failure, std::nullopt, 0);
        return false;
    }
    return true;
}

FileDescriptor queue_turn_fd() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, kQueueTurnSignal);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    FileDescriptor fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) throw_system_error("signalfd", errno);
    return fd;
}

void drain(int fd) {
    signalfd_siginfo record;
    while (::read(fd, &record, sizeof record) > 0) {
    }
}

// Sleeps until a turn is passed on, a job in `ahead` loses its owner (then
// marked lost, which frees what it held) or a stop arrives. True on a stop.
bool sleep_in_line(Repository& repository, const std::vector<JobInfo>& ahead, int turn_fd, int stop_fd) {
    std::vector<pollfd> fds{{stop_fd, POLLIN, 0}, {turn_fd, POLLIN, 0}};
    std::vector<FileDescriptor> pidfds;
    std::vector<JobInfo> watched;
    for (const JobInfo& job : ahead) {
        // An owner of another pid namespace has no pid here: its end comes
        // as a passed turn, or from a process that can see it.
        if (!detail::can_judge_pid_namespace(job.owner_pid_namespace)) continue;
        FileDescriptor pidfd = open_pidfd(job.owner_pid);
        // Opened, then checked: the pidfd surely names the owner.
        if (!pidfd ||
            !ProcessIdentity{job.owner_pid, job.owner_start_time, job.owner_pid_namespace}.alive()) {
            JobInfo copy = job;
            Liveness::check(repository, copy);
            return false;  // look again at once
        }
        fds.push_back({pidfd.get(), POLLIN, 0});
        pidfds.push_back(std::move(pidfd));
        watched.push_back(job);
    }
    while (::poll(fds.data(), fds.size(), -1) < 0)
        if (errno != EINTR) throw_system_error("poll", errno);
    if (fds[0].revents != 0) return true;
    drain(turn_fd);
    for (std::size_t i = 0; i < watched.size(); ++i)
        if (fds[i + 2].revents != 0) Liveness::check(repository, watched[i]);
    return false;
}

// Phase two: until the job is admitted to its queue. False if it ended here.
bool wait_for_queue_turn(Repository& repository, JobId id, const std::string& queue, int stop_fd) {
    FileDescriptor turn_fd = queue_turn_fd();
    JobTable& table = table_of(repository);
    for (;;) {
        JobTable::QueueTurn turn = table.take_queue_turn(id);
        if (turn.outcome == JobTable::QueueTurn::Outcome::admitted) {
            pass_queue_turn(repository, queue);  // the next in line now watches the runners
            return true;
        }
        if (turn.outcome == JobTable::QueueTurn::Outcome::not_waiting) {
            auto self = repository.find(id);
            if (self && !self->finished()) end_stopped(repository, id);
            pass_queue_turn(repository, queue);
            return false;
        }
        if (sleep_in_line(repository, turn.ahead, turn_fd.get(), stop_fd)) {
            drain(stop_fd);
            end_stopped(repository, id);
            pass_queue_turn(repository, queue);
            return false;
        }
    }
}

// Blocked → Running for a job that waited only for its dependencies.
bool start_running(Repository& repository, JobId id) {
    bool running = lifecycle_of(repository).unblock(id);
    if (!running) {
        auto self = repository.find(id);
        if (self && !self->finished()) end_stopped(repository, id);
    }
    return running;
}

}  // namespace

GateOutcome wait_at_start_gate(Repository& repository, JobId id, const StartConditions& when, int stop_fd) {
    if (when.after.empty() && when.queue.empty()) return GateOutcome::run;
    if (!when.after.empty() && !wait_for_dependencies(repository, id, when)) return GateOutcome::ended;
    if (!when.queue.empty()) {
        if (!wait_for_queue_turn(repository, id, when.queue, stop_fd)) return GateOutcome::ended;
        return GateOutcome::run;
    }
    return start_running(repository, id) ? GateOutcome::run : GateOutcome::ended;
}

}  // namespace jobctl::detail
