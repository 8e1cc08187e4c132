// The worker's body: claims the job, then runs its command (CommandRun) with
// stop requests arriving as SIGTERM/SIGINT/SIGHUP on one signalfd, suspend
// and resume requests as SIGUSR1 on another, and the exits of its children
// (the command's orphans, re-parented to the worker) as SIGCHLD on a third.

#include "process_jobs/process_job_runner.hpp"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "jobctl/process_job.hpp"
#include "jobs/queue_turns.hpp"
#include "output/spool.hpp"
#include "process_jobs/attempts.hpp"
#include "process_jobs/command_run.hpp"
#include "process_jobs/restart_spec.hpp"
#include "process_jobs/start_gate.hpp"
#include "process_jobs/stdin_spool.hpp"
#include "system/clock.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// Takes the job for this worker, unless it was stopped or finished first.
bool claim(Repository& repository, JobId id) {
    using Claim = detail::JobLifecycle::Claim;
    return detail::lifecycle_of(repository).claim(id, ProcessIdentity::self()) == Claim::claimed;
}

// Blocked since before exec (see process_launch.cpp); read here instead.
detail::FileDescriptor signal_fd_for(sigset_t signals) {
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    detail::FileDescriptor fd(::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK));
    if (!fd) throw_system_error("signalfd", errno);
    return fd;
}

RunOptions run_options_of(Repository& repository, const detail::WorkerArguments& arguments) {
    RunOptions run = arguments.run;
    if (arguments.stdin_spooled)
        run.stdin_file = detail::spooled_stdin(detail::table_of(repository).job_directory(arguments.job));
    return run;
}

// For `jobctl restart`, off the launcher's path. Without it the job
// cannot be restarted, and that is all: the run goes on.
void keep_spec_for_restart(Repository& repository, const detail::WorkerArguments& arguments) {
    try {
        std::filesystem::path folder = detail::table_of(repository).job_directory(arguments.job);
        ensure_spool_directory(folder);
        detail::keep_restart_spec(folder, arguments);
    } catch (const Error&) {
    }
}

// The attempt a lost worker was running (1 without retries).
unsigned attempt_running(Repository& repository, JobId id) {
    std::optional<JobInfo> job = repository.find(id);
    return job && job->attempt != 0 ? job->attempt : 1;
}

sigset_t child_exit_set() {
    sigset_t signals;
    sigemptyset(&signals);
    sigaddset(&signals, SIGCHLD);
    return signals;
}

}  // namespace

int detail::run_process_job(Repository& repository, const WorkerArguments& arguments) {
    JobId id = arguments.job;
    try {
        detail::FileDescriptor stop_fd = signal_fd_for(detail::stop_signal_set());
        detail::FileDescriptor suspend_fd = signal_fd_for(detail::suspend_signal_set());
        // Orphans of the command land here, not on init: nothing the command
        // starts leaves the worker's tree, which a stop, a time limit and a
        // suspend signal whole (session containment, docs/reliability.md).
        if (::prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) throw_system_error("PR_SET_CHILD_SUBREAPER", errno);
        detail::FileDescriptor child_exit_fd = signal_fd_for(child_exit_set());
        // Another attempt takes its queue's turn again (its dependencies are
        // done); between the two, the turn is the next in line's.
        StartConditions again;
        again.queue = arguments.start_when.queue;
        auto ready_again = [&] {
            if (again.queue.empty()) return detail::unblock_for_next_attempt(repository, id);
            return detail::wait_at_start_gate(repository, id, again, stop_fd.get()) ==
                   detail::GateOutcome::run;
        };
        auto failed = [&] { detail::pass_queue_turn(repository, again.queue); };
        detail::ControlFds fds{stop_fd.get(), suspend_fd.get(), child_exit_fd.get()};
        if (arguments.resume_remote) {
            // Handed a lost worker's job (ssh_resume.hpp): it has started, and runs on there.
            if (detail::lifecycle_of(repository).confirm_claim(id, ProcessIdentity::self()))
                detail::run_attempts(repository, id, fds, run_options_of(repository, arguments),
                                     arguments.command, ready_again, failed, attempt_running(repository, id));
            detail::pass_queue_turn(repository, arguments.start_when.queue);
            return 0;
        }
        bool claimed = claim(repository, id);
        if (claimed) keep_spec_for_restart(repository, arguments);
        if (claimed && detail::wait_at_start_gate(repository, id, arguments.start_when, stop_fd.get()) ==
                           detail::GateOutcome::run)
            detail::run_attempts(repository, id, fds, run_options_of(repository, arguments),
                                 arguments.command, ready_again, failed);
        detail::pass_queue_turn(repository, arguments.start_when.queue);  // what this job held is free
        return 0;
    } catch (const std::exception& error) {
        // Record why, rather than leave the job to be found "worker lost".
        // (CommandRun's destructor has already ended and reaped the command.)
        detail::finish_job(repository, id, JobState::failed, std::string("worker error: ") + error.what(),
                           std::nullopt, 0);
        detail::pass_queue_turn(repository, arguments.start_when.queue);
        return 1;
    }
}

}  // namespace jobctl
