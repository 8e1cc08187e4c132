// jobctl restart: finished process jobs run again under their ids.

#include <algorithm>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/stop_on_signals.hpp"
#include "jobs_table_printer.hpp"

namespace jobctl::cli {

namespace {

// restart --failed: this process hosts the rerun; the parent and the
// children it ran again are printed once they have ended.
int rerun_failed_children(Repository& repository, JobId parent) {
    StopOnSignals interrupt;  // Ctrl-C, SIGTERM, SIGHUP: stop the rerun, then exit 128 + the signal
    ForeachJob rerun(repository, ForeachJob::RerunFailed{parent});
    interrupt.watch(repository, parent);
    std::vector<JobId> ran;
    JobInfo ended = rerun.run({.on_child_registered = [&](JobId id) { ran.push_back(id); },
                               .on_all_registered = nullptr,
                               .on_child_finished = nullptr});
    std::vector<JobInfo> shown{ended};
    for (JobId id : ran)
        if (auto child = repository.find(id)) shown.push_back(*child);
    print_job_table(std::cout, shown);
    if (interrupt.received() != 0) return 128 + interrupt.received();  // like a shell's status
    return ended.state == JobState::completed ? kSuccess : kJobFailed;
}

}  // namespace

void add_restart_command(CLI::App& app, int& exit_code) {
    struct Options {
        JobSelector selector;
        bool quiet = false;
        bool failed = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("restart", "Run finished jobs again, under the same ids");
    command->footer(
        "Each job runs again with the command, folder, environment, stdin and options it first ran\n"
        "with, under its id: its outcome is cleared, its output stays and the new run's follows a\n"
        "line on stderr ('jobctl: restarted'), and the history keeps a line for each end.\n"
        "Only finished process jobs (start, run, schedule runs) run again; one that runs is refused\n"
        "(stop it first), and so is one that read 'jobctl run --stdin -' as it came.\n"
        "--failed FOREACH reruns the failed and stopped children of a finished foreach (foreach\n"
        "--as-job, or --keep-jobs) in place: the same ids, the parent Running again until they end,\n"
        "here, in the foreground (Ctrl-C stops them); the exit status is wait's for the parent.\n"
        "A run on other hosts (--on ssh:A,B) reruns each child on its host, or spread over its hosts.\n"
        "Examples: jobctl restart build; jobctl restart --state Failed; jobctl restart --failed batch");
    add_selector_options(*command, options->selector);
    command->add_flag("-q,--quiet", options->quiet, "Print only the ids");
    command->add_flag("--failed", options->failed,
                      "Rerun the failed and stopped children of these foreach runs, under their ids");
    command->callback([options, &exit_code] {
        auto repository = Repository::open();
        std::vector<JobInfo> jobs = select_jobs(repository, options->selector, false);
        if (options->failed) {
            for (const JobInfo& job : jobs)
                exit_code = std::max(exit_code, rerun_failed_children(repository, job.id));
            return;
        }
        // All or none, as remove: one that cannot run again stops them all.
        for (const JobInfo& job : jobs)
            if (!job.finished())
                throw Error(ErrorCode::job_busy, "job " + std::to_string(job.id) + " (" + job.name + ") is " +
                                                     std::string(to_string(job.state)) +
                                                     ": only a finished job runs again (stop it first)");
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
