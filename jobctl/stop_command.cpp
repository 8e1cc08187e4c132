#include <algorithm>
#include <iostream>
#include <memory>
#include <sstream>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_waiting.hpp"
#include "seconds_option.hpp"
#include "stop_jobs.hpp"

namespace jobctl::cli {

std::string format_seconds(double seconds) {
    std::ostringstream text;
    text << seconds;
    return text.str();
}

void stop_jobs(Repository& repository, const std::vector<JobInfo>& jobs, const StopOptions& options) {
    auto grace = to_milliseconds(options.grace_seconds);
    for (const JobInfo& job : jobs) request_stop(repository, job.id, grace);
    if (!options.wait) return;
    auto timeout = to_milliseconds(options.timeout_seconds);
    auto ids = ids_of(jobs);
    auto finished = wait_for_jobs(repository, ids, WaitMode::all, deadline_after(timeout));
    if (finished) return;
    std::string stuck;
    for (const JobInfo& job : repository.list())
        if (std::ranges::find(ids, job.id) != ids.end() && !job.finished())
            stuck += (stuck.empty() ? "" : ", ") + std::to_string(job.id) + " (" +
                     std::string(to_string(job.state)) + ")";
    throw Error(ErrorCode::job_busy, "job(s) " + stuck + " still not stopped after " +
                                         format_seconds(options.timeout_seconds) + "s");
}

void add_stop_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        StopOptions stop;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("stop", "Stop jobs (Stop-Job)");
    command->footer(
        "A process job's whole process group gets SIGTERM, then SIGKILL after the grace period.\n"
        "Waits until the jobs are Stopped unless --no-wait.");
    add_selector_options(*command, options->selector);
    command->add_option("--grace", options->stop.grace_seconds, "Seconds between SIGTERM and SIGKILL")
        ->default_val(5.0)
        ->check(seconds_up_to(86400.0));
    command->add_option("--timeout", options->stop.timeout_seconds, "Seconds to wait for the jobs to stop")
        ->default_val(15.0)
        ->check(seconds_up_to(1e7));
    command->add_flag(
        "--no-wait", [options](std::int64_t) { options->stop.wait = false; },
        "Return once the stop is requested");
    command->callback([options] {
        auto repository = Repository::open();
        stop_jobs(repository, select_jobs(repository, options->selector, false), options->stop);
    });
}

}  // namespace jobctl::cli
