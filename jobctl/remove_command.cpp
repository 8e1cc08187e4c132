#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "stop_jobs.hpp"

namespace jobctl::cli {

void add_remove_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        bool force = false;
        bool dry_run = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("remove", "Remove finished jobs and their output (Remove-Job)");
    command->footer(
        "A job that has not finished, or that another job runs after (start --after), is refused\n"
        "unless --force, which stops it first (and fails the jobs that would run after it).\n"
        "Examples: jobctl remove build; jobctl remove --finished; jobctl remove 'ci-*' --before 7d;\n"
        "jobctl remove --force 3; jobctl remove --finished --dry-run");
    add_selector_options(*command, options->selector);
    add_finished_flag(*command, options->selector);
    command->add_flag("-f,--force", options->force, "Stop unfinished jobs first, then remove them");
    add_dry_run_flag(*command, options->dry_run);
    command->callback([options] {
        auto repository = Repository::open();
        auto jobs = select_jobs(repository, options->selector, false);
        if (options->dry_run) {
            if (!options->force) check_removable(repository, jobs);
            print_dry_run(jobs, "remove");
            return;
        }
        if (options->force) {
            std::vector<JobInfo> unfinished;
            for (const JobInfo& job : jobs)
                if (!job.finished()) unfinished.push_back(job);
            stop_jobs(repository, unfinished, StopOptions{});
        } else if (jobs.size() > 1) {
            // First: a refused request changes nothing. (remove_job checks
            // one job before it erases anything: a pass over the table spared.)
            check_removable(repository, jobs);
        }
        for (const JobInfo& job : jobs) {
            try {
                remove_job(repository, job.id, options->force);
            } catch (const Error& error) {
                // Gone already: a child removed along with its parent named before it.
                if (error.code() != ErrorCode::job_not_found) throw;
            }
        }
    });
}

}  // namespace jobctl::cli
