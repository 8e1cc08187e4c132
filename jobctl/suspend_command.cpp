// jobctl suspend and resume (Suspend-Job, Resume-Job).

#include <algorithm>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_waiting.hpp"

namespace jobctl::cli {
namespace {

struct SuspendOptions {
    JobSelector selector;
    std::chrono::milliseconds timeout{15000};
    bool wait = true;
};

bool settled(const JobInfo& job) {
    return job.finished() || job.state == JobState::suspended || !job.suspend_requested;
}

// Until every job is Suspended (or has finished, or was resumed meanwhile).
void wait_until_suspended(Repository& repository, const std::vector<JobId>& ids,
                          std::chrono::milliseconds timeout) {
    auto all_settled = [](const std::vector<JobInfo>& jobs) { return std::ranges::all_of(jobs, settled); };
    auto jobs = wait_until(repository, ids, all_settled, deadline_after(timeout));
    if (jobs) {
        // A runner that could not suspend its job (Slurm refused) withdrew the request.
        for (const JobInfo& job : *jobs)
            if (!job.finished() && job.state != JobState::suspended && !job.suspend_requested &&
                job.reason.find("refused the suspend") != std::string::npos)
                throw Error(ErrorCode::job_busy, "job " + std::to_string(job.id) + " (" + job.name +
                                                     ") was not suspended: " + job.reason);
        return;
    }
    std::string stuck;
    for (const JobInfo& job : repository.list())
        if (std::ranges::find(ids, job.id) != ids.end() && !settled(job))
            stuck += (stuck.empty() ? "" : ", ") + std::to_string(job.id) + " (" +
                     std::string(to_string(job.state)) + ")";
    throw Error(ErrorCode::job_busy,
                "job(s) " + stuck + " still not suspended after " + format_duration(timeout));
}

}  // namespace

void add_suspend_command(CLI::App& app, int&) {
    auto options = std::make_shared<SuspendOptions>();
    CLI::App* command = app.add_subcommand("suspend", "Suspend jobs (Suspend-Job)");
    command->footer(
        "Every process a process job started is held still: its cgroup frozen (cgroup.freeze) where\n"
        "it has one, else each process sent SIGSTOP (see 'jobctl stop --help'); Suspending until\n"
        "every one is, then Suspended. A foreach run suspends its running children and starts no\n"
        "more. Resume thaws and continues them all (SIGCONT).\n"
        "Suspended time does not count against --timeout. Waits until Suspended unless --no-wait.\n"
        "Thread jobs of a library host cannot be suspended. Resume with 'jobctl resume'.");
    add_selector_options(*command, options->selector);
    add_duration_option(*command, "--timeout", options->timeout,
                        "How long to wait for the jobs to be suspended", std::chrono::hours(24 * 365));
    command->add_flag(
        "--no-wait", [options](std::int64_t) { options->wait = false; },
        "Return once the suspend is requested");
    command->callback([options] {
        auto repository = Repository::open();
        auto jobs = select_jobs(repository, options->selector, false);
        // Check all first: a refused request changes nothing.
        check_suspendable(jobs);
        for (const JobInfo& job : jobs) request_suspend(repository, job.id);
        if (options->wait) wait_until_suspended(repository, ids_of(jobs), options->timeout);
    });
}

void add_resume_command(CLI::App& app, int&) {
    auto selector = std::make_shared<JobSelector>();
    CLI::App* command = app.add_subcommand("resume", "Resume suspended jobs (Resume-Job)");
    command->footer(
        "The job is Running again (its process group gets SIGCONT); a foreach run starts its queued\n"
        "children again. A job that is not suspended is left alone.");
    add_selector_options(*command, *selector);
    command->callback([selector] {
        auto repository = Repository::open();
        for (const JobInfo& job : select_jobs(repository, *selector, false))
            request_resume(repository, job.id);
    });
}

}  // namespace jobctl::cli
