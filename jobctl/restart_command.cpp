// jobctl restart: finished process jobs run again under their ids.

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/process_job.hpp"
#include "jobs_table_printer.hpp"

namespace jobctl::cli {

void add_restart_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        bool quiet = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("restart", "Run finished jobs again, under the same ids");
    command->footer(
        "Each job runs again with the command, folder, environment, stdin and options it first ran\n"
        "with, under its id: its outcome is cleared, its output stays and the new run's follows a\n"
        "line on stderr ('jobctl: restarted'), and the history keeps a line for each end.\n"
        "Only finished process jobs (start, run, schedule runs) run again; one that runs is refused\n"
        "(stop it first), and so is one that read 'jobctl run --stdin -' as it came.\n"
        "Examples: jobctl restart build; jobctl restart --state Failed");
    add_selector_options(*command, options->selector);
    command->add_flag("-q,--quiet", options->quiet, "Print only the ids");
    command->callback([options] {
        auto repository = Repository::open();
        std::vector<JobInfo> jobs = select_jobs(repository, options->selector, false);
        std::vector<JobInfo> restarted;
        // The worker may be our child: we exit right after.
        for (const JobInfo& job : jobs) restarted.push_back(restart_process_job(repository, job.id, true));
        if (options->quiet) {
            for (const JobInfo& job : restarted) std::cout << job.id << '\n';
        } else {
            print_job_table(std::cout, restarted);
        }
    });
}

}  // namespace jobctl::cli
