// jobctl restart: a finished process job runs again under its id, from the
// arguments its worker kept (restart_spec.hpp), through a new worker that
// is started before the job is reopened, as a start does.

#include "jobctl/error.hpp"
#include "jobctl/process_job.hpp"
#include "output/output_log.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/restart_spec.hpp"
#include "process_jobs/ssh_run.hpp"
#include "process_jobs/worker_launch.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh/ssh_host.hpp"
#include "table/finish_hook.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

std::string job_text(const JobInfo& job) {
    return "job " + std::to_string(job.id) + " (" + job.name + ")";
}

// What to run `job` again with; errors as restart_process_job.
detail::RestartSpec restart_spec(Repository& repository, const JobInfo& job) {
    if (!job.finished())
        throw Error(ErrorCode::job_busy, job_text(job) + " is " + std::string(to_string(job.state)) +
                                             ": only a finished job runs again (stop it first)");
    if (!runs_in_worker(job.type))
        throw Error(
            ErrorCode::invalid_argument,
            job_text(job) + (job.type_name == "ssh"
                                 ? " belongs to a run on several hosts: only a job of its own runs again "
                                   "(restart)"
                                 : " is a " + job.type_name + " job: only process jobs run again (restart)"));
    std::optional<detail::RestartSpec> spec =
        detail::read_restart_spec(detail::table_of(repository).job_directory(job.id));
    if (!spec)
        throw Error(ErrorCode::invalid_argument,
                    job_text(job) +
                        " kept no command line to run again (it never started, or an older jobctl "
                        "started it)");
    if (spec->arguments.run.stdin_file == kCallersStdin)
        throw Error(ErrorCode::invalid_argument,
                    job_text(job) +
                        " read its starter's stdin as it came (run --stdin -): that cannot be read again");
    return *spec;
}

// One line in its output where the new run begins, as between attempts;
// the last run's hook result goes (this run's comes when it ends).
void mark_restart(Repository& repository, JobId id) {
    std::filesystem::path folder = detail::table_of(repository).job_directory(id);
    std::error_code ignored;
    std::filesystem::remove(folder / detail::kFinishHookResult, ignored);
    // The last run's job on another host is not this run's (ssh_run.hpp).
    std::filesystem::remove(folder / detail::kRemoteNoteFile, ignored);
    try {
        OutputLogWriter log(folder);
        detail::lifecycle_of(repository)
            .publish_output(id, log.append(OutputStream::info, "jobctl: restarted\n"));
    } catch (const Error&) {  // a full disk: the restart goes on without its line
    }
}

}  // namespace

JobInfo restart_process_job(Repository& repository, JobId id, bool caller_exits_soon,
                            const std::filesystem::path& worker_path) {
    std::optional<JobInfo> job = repository.find(id);
    if (!job) throw job_not_found(id);
    detail::RestartSpec spec = restart_spec(repository, *job);
    // On another host: its connection first, as at its start (an unknown host or a refused key is one line).
    if (const std::string& host = spec.arguments.run.ssh_host; !host.empty())
        detail::open_shared_connections(detail::table_of(repository).location(),
                                        {detail::parse_ssh_host(host)});
    std::filesystem::path worker = detail::checked_worker(worker_path);
    std::vector<std::string> argv = detail::to_worker_argv(worker.string(), spec.arguments);
    // Its first environment, as its environment: never on a command line.
    detail::WorkerAwaitingJob started(worker, argv, caller_exits_soon, false, &spec.environment);
    if (!detail::lifecycle_of(repository).reopen(id, started.identity()))
        throw Error(ErrorCode::job_busy, job_text(*job) + " was restarted (or removed) meanwhile");
    mark_restart(repository, id);
    started.assign(id);
    return repository.find(id).value_or(*job);
}

}  // namespace jobctl
