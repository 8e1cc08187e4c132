#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobs/removal_check.hpp"
#include "stop_jobs.hpp"

namespace jobctl::cli {

void add_remove_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        bool force = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("remove", "Remove finished jobs and their output (Remove-Job)");
    command->footer(
        "A job that has not finished, or that another job runs after (start --after), is refused\n"
        "unless --force, which stops it first (and fails the jobs that would run after it).\n"
        "Examples: jobctl remove build; jobctl remove --state Completed; jobctl remove --force 3");
    add_selector_options(*command, options->selector);
    command->add_flag("-f,--force", options->force, "Stop unfinished jobs first, then remove them");
    command->callback([options] {
        auto repository = Repository::open();
        auto jobs = select_jobs(repository, options->selector, false);
        if (options->force) {
            std::vector<JobInfo> unfinished;
            for (const JobInfo& job : jobs)
                if (!job.finished()) unfinished.push_back(job);
            stop_jobs(repository, unfinished, StopOptions{});
        } else {
            // Check all first: a refused request changes nothing.
            std::vector<JobInfo> all = repository.list();
            for (const JobInfo& job : jobs) {
                detail::check_removable(job);
                detail::check_not_needed(job, all);
            }
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
