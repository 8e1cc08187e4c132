// Starting a process job: register it, then start its worker (worker_launch.hpp).

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "jobctl/error.hpp"
#include "jobctl/process_job.hpp"
#include "jobs/job_lookup.hpp"
#include "jobs/queue_turns.hpp"
#include "process_jobs/command_text.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/run_options.hpp"
#include "process_jobs/stdin_spool.hpp"
#include "process_jobs/time_limit.hpp"
#include "process_jobs/worker_arguments.hpp"
#include "process_jobs/worker_launch.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/finish_hook.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/slot_limits.hpp"

extern char** environ;

namespace jobctl {
namespace {

// `spec`'s run options checked, paths made absolute, after what else
// start_process_job checks before it registers anything, but for the jobs to
// run after, which are looked for when it starts. Errors: invalid_argument
// (no command, a bad name, bad run options, too many jobs to run after, a
// bad queue name); program_not_found.
RunOptions checked_run_of(const ProcessJobSpec& spec) {
    if (spec.argv.empty() || spec.argv[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (!spec.name.empty()) check_job_name(spec.name);
    detail::check_time_limit(spec.run.timeout);
    RunOptions run;
    if (spec.run.ssh_host.empty()) {
        run = detail::checked_run_options(spec.run);
        detail::require_program(spec.argv[0], run);
    } else {  // its folder and program are the other host's: checked there
        RunOptions here = spec.run;
        here.cwd.clear();
        run = detail::checked_run_options(here);
        run.cwd = spec.run.cwd;
    }
    if (spec.start_when.after.size() > detail::kMaxAfter)
        throw Error(ErrorCode::invalid_argument,
                    "a job can run after at most " + std::to_string(detail::kMaxAfter) + " jobs");
    if (!spec.start_when.queue.empty()) detail::check_queue_name(spec.start_when.queue);
    detail::check_priority(spec.start_when.priority);
    if (spec.start_when.priority != 0 && spec.start_when.queue.empty())
        throw Error(ErrorCode::invalid_argument,
                    "a priority orders a queue's jobs: give the queue too (--queue)");
    if (!spec.on_finish.empty()) detail::check_finish_hook(spec.on_finish, "--on-finish");
    check_labels(spec.labels);
    return run;
}

// Our stdin, for a worker to read: open and not one of our own files
// (those are close-on-exec), else the worker gets /dev/null.
bool stdin_inheritable() {
    int flags = ::fcntl(STDIN_FILENO, F_GETFD);
    return flags >= 0 && (flags & FD_CLOEXEC) == 0;
}

// The job's slot as start_process_job registers it, `owner` (its worker)
// answering for it.
detail::NewJob new_process_job(const ProcessJobSpec& spec, const RunOptions& run,
                               const ProcessIdentity& owner) {
    if (!runs_in_worker(spec.type))
        throw Error(ErrorCode::invalid_argument, "a process job cannot be a thread job");
    detail::NewJob new_job{spec.name, spec.type, detail::command_text(spec.argv),
                           0,         owner.pid, owner.start_time};
    new_job.can_suspend = true;                       // the worker acts on suspend requests
    new_job.cwd = detail::command_cwd(run).string();  // empty for a caller whose folder was deleted
    if (!run.ssh_host.empty()) {
        // On another host (ssh_launch.cpp): its type, and where it runs, say so.
        new_job.type_name = "ssh";
        new_job.location = run.ssh_host;
        new_job.can_suspend = false;  // its processes are out of reach of SIGSTOP here
        new_job.cwd = run.cwd.string();
    }
    if (run.timeout) new_job.timeout_ms = static_cast<std::uint64_t>(run.timeout->count());
    new_job.after = spec.start_when.after;
    new_job.after_any_outcome = spec.start_when.after_any_outcome;
    new_job.queue = spec.start_when.queue;
    new_job.priority = spec.start_when.priority;
    new_job.has_finish_hook = !spec.on_finish.empty();
    new_job.labels = spec.labels;
    if (run.retry.retries != 0) new_job.attempts_allowed = static_cast<std::uint16_t>(run.retry.retries + 1);
    return new_job;
}

}  // namespace

JobInfo record_failed_process_job(Repository& repository, const ProcessJobSpec& spec,
                                  const std::string& reason) {
    if (!spec.name.empty()) check_job_name(spec.name);
    // Nobody answers for it: it is finished before anyone looks.
    detail::NewJob new_job = new_process_job(spec, spec.run, ProcessIdentity{});
    new_job.can_suspend = false;  // nothing will run
    new_job.after.clear();        // it waits for nothing
    new_job.queue.clear();
    detail::JobTable& table = detail::table_of(repository);
    JobInfo job = table.add(new_job);
    if (new_job.has_finish_hook)
        detail::keep_finish_hook(table, job.id, detail::kFinishHookFile, spec.on_finish);
    detail::lifecycle_of(repository).finish(job.id, {JobState::failed, reason});
    return repository.find(job.id).value_or(job);
}

ProcessJobSpec checked_process_job_spec(const ProcessJobSpec& spec) {
    ProcessJobSpec checked = spec;
    checked.run = checked_run_of(spec);
    checked.run.cwd = detail::command_cwd(checked.run);  // the caller's folder, now
    return checked;
}

JobInfo start_process_job(Repository& repository, const ProcessJobSpec& spec,
                          const std::filesystem::path& worker_path) {
    if (!spec.run.ssh_host.empty())
        throw Error(ErrorCode::invalid_argument, "a job on another host is started with start_ssh_job");
    return detail::start_worker_job(repository, spec, worker_path);
}

JobInfo detail::start_worker_job(Repository& repository, const ProcessJobSpec& spec,
                                 const std::filesystem::path& worker_path) {
    RunOptions run = checked_run_of(spec);
    // Only jobs that exist: so a job can never wait for one started later, and no cycle can form.
    for (JobId id : spec.start_when.after)
        if (!repository.find(id)) throw job_not_found(id);
    std::filesystem::path worker = detail::checked_worker(worker_path);

    bool spool_stdin = run.stdin_file == kCallersStdin && !spec.live_stdin;
    bool live_stdin = run.stdin_file == kCallersStdin && spec.live_stdin && stdin_inheritable();
    if (spool_stdin) run.stdin_file.clear();  // the worker finds the copy in the job's folder
    detail::WorkerArguments arguments{repository.name(), 0, 3, run, spec.start_when, spec.argv, spool_stdin};
    std::vector<std::string> argv = detail::to_worker_argv(worker.string(), arguments);
    // Started first, so that the job is registered once, with its worker as its owner.
    detail::WorkerAwaitingJob started(worker, argv, spec.caller_exits_soon, live_stdin);
    detail::NewJob new_job = new_process_job(spec, run, started.identity());
    detail::JobTable& table = detail::table_of(repository);
    JobInfo job = table.add(new_job);
    try {
        if (new_job.has_finish_hook)
            detail::keep_finish_hook(table, job.id, detail::kFinishHookFile, spec.on_finish);
        if (spool_stdin)
            detail::spool_stdin(table.job_directory(job.id), [&] {
                auto now = repository.find(job.id);
                return !now || now->stop_requested || now->finished();
            });
    } catch (...) {
        table.erase(job.id);  // nothing changed after all (the worker, never told its job, exits)
        std::error_code ignored;
        std::filesystem::remove_all(table.job_directory(job.id), ignored);
        throw;
    }
    started.assign(job.id);
    return job;
}

}  // namespace jobctl
