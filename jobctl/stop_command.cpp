#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_waiting.hpp"
#include "stop_jobs.hpp"

namespace jobctl::cli {

void stop_jobs(Repository& repository, const std::vector<JobInfo>& jobs, const StopOptions& options) {
    for (const JobInfo& job : jobs) request_stop(repository, job.id, options.grace);
    if (!options.wait) return;
    auto ids = ids_of(jobs);
    auto finished =
        wait_for_jobs(repository, ids, WaitMode::all, deadline_after(options.timeout), OnRemoved::finished);
    if (finished) return;
    std::string stuck;
    for (const JobInfo& job : repository.list())
        if (std::ranges::find(ids, job.id) != ids.end() && !job.finished())
            stuck += (stuck.empty() ? "" : ", ") + std::to_string(job.id) + " (" +
                     std::string(to_string(job.state)) + ")";
    throw Error(ErrorCode::job_busy,
                "job(s) " + stuck + " still not stopped after " + format_duration(options.timeout));
}

void add_stop_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        StopOptions stop;
        bool dry_run = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("stop", "Stop jobs (Stop-Job)");
    command->footer(
        "Every process a process job started gets SIGTERM, then SIGKILL after the grace period:\n"
        "when stop returns, no process the job started is alive, whatever process group or\n"
        "session it moved to. Where this user may make a cgroup v2 (root, or a delegated subtree),\n"
        "each job's command runs in a cgroup of its own, killed whole with cgroup.kill after the\n"
        "grace (get --json: \"containment\": \"cgroup\"); nothing in it can escape. Elsewhere the\n"
        "worker is a child subreaper that leads the job's session, so orphans, double-forked ones\n"
        "included, stay below it and are found from /proc by their parents (\"containment\":\n"
        "\"session\"); that cannot catch a process that leaves both the session and the worker's\n"
        "subtree, which the kernel does not allow without a subreaper above it (one a daemon or\n"
        "service manager starts was never the job's), nor a foreach child's process that\n"
        "double-forks before it was seen. See docs/reliability.md and JOBCTL_CONTAINMENT.\n"
        "Waits until the jobs are Stopped unless --no-wait.\n"
        "Examples: jobctl stop build; jobctl stop 'ci-*' --dry-run; jobctl stop --state Running");
    add_selector_options(*command, options->selector);
    add_duration_option(*command, "--grace", options->stop.grace, "Time between SIGTERM and SIGKILL",
                        std::chrono::hours(24));
    add_duration_option(*command, "--timeout", options->stop.timeout, "How long to wait for the jobs to stop",
                        std::chrono::hours(24 * 365));
    command->add_flag(
        "--no-wait", [options](std::int64_t) { options->stop.wait = false; },
        "Return once the stop is requested");
    add_dry_run_flag(*command, options->dry_run);
    command->callback([options] {
        auto repository = Repository::open();
        auto jobs = select_jobs(repository, options->selector, false);
        if (options->dry_run)
            print_dry_run(jobs, "stop");
        else
            stop_jobs(repository, jobs, options->stop);
    });
}

}  // namespace jobctl::cli
