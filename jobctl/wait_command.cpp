#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobs_table_printer.hpp"
#include "stop_jobs.hpp"
#include "terminal_style.hpp"

namespace jobctl::cli {

void add_wait_command(CLI::App& app, int& exit_code) {
    struct Options {
        JobSelector selector;
        bool any = false;
        bool all = false;
        std::optional<std::chrono::milliseconds> timeout;
        bool quiet = false;
        ColorChoice color = ColorChoice::automatic;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("wait", "Wait until jobs finish (Wait-Job)");
    command->footer(
        "Exit status: 0 when every waited job Completed, 1 when one ended Failed or Stopped,\n"
        "4 on timeout, 3 when a job does not exist or was removed before wait saw it end (a full\n"
        "repository evicts only jobs whose outcome was received). Ctrl-C stops the waiting, not the jobs.");
    add_selector_options(*command, options->selector);
    options->selector.every_match = true;  // it only reads: every job of a name
    auto* all =
        command->add_flag("--all", options->all, "Wait until all of them have finished (the default)");
    command->add_flag("--any", options->any, "Return as soon as one of them has finished")->excludes(all);
    add_duration_option(*command, "--timeout", options->timeout,
                        "Give up after this long (500ms, 30s, 1m30s, 2h, or seconds)",
                        std::chrono::hours(24 * 365));
    command->add_flag("-q,--quiet", options->quiet,
                      "Print nothing, not even on timeout: only the exit status tells (a job that "
                      "does not exist is still named)");
    add_color_option(*command, options->color);
    command->callback([options, &exit_code] {
        auto repository = Repository::open();
        auto selected = select_jobs(repository, options->selector, true);
        auto ids = ids_of(selected);
        auto mode = options->any ? WaitMode::any : WaitMode::all;
        auto jobs = wait_for_jobs(repository, ids, mode, deadline_after(options->timeout));
        if (!jobs && options->quiet) {
            exit_code = kTimeout;  // -q: the status alone says it
            return;
        }
        if (!jobs)
            throw Error(ErrorCode::timeout, "timed out after " + format_duration(*options->timeout) +
                                                "; the jobs go on (see 'jobctl get')");
        // Re-read as `get` shows them (a parent's HasMoreData covers its
        // children); process jobs have none, and are shown as they were found.
        std::vector<JobInfo> shown = std::move(*jobs);
        if (!std::ranges::all_of(shown, [](const JobInfo& job) {
                return job.type == JobType::process || job.type == JobType::scheduled;
            }))
            shown = find_jobs(repository, ids);
        std::vector<JobInfo> finished;
        for (const JobInfo& job : shown) {
            if (!job.finished()) continue;
            finished.push_back(job);
            if (exit_code_of_outcome(job, options->quiet) != kSuccess) exit_code = kJobFailed;
        }
        if (!options->quiet && !finished.empty())
            print_job_table(std::cout, options->any ? finished : shown,
                            use_color(options->color, STDOUT_FILENO));
    });
}

}  // namespace jobctl::cli
