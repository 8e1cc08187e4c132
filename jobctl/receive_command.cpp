#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/receive.hpp"
#include "record_printer.hpp"

namespace jobctl::cli {

void add_receive_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        ReceiveOptions receive;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("receive", "Print the output jobs have not yet handed over (Receive-Job)");
    command->footer(
        "The job's stdout goes to stdout and its stderr to stderr, in the order the worker read them.\n"
        "Received output is not printed again unless --keep was given. A job whose output was cut short\n"
        "by a full disk is named on stderr after its output (\"jobctl: job N: output truncated: ...\").\n"
        "Examples: jobctl receive build; jobctl receive --wait 3; jobctl receive --keep 1");
    add_selector_options(*command, options->selector);
    command->add_flag("-k,--keep", options->receive.keep, "Leave the output unreceived");
    command->add_flag("-w,--wait", options->receive.follow, "Follow the output live until the jobs finish");
    options->receive.on_truncated = print_truncation;
    command->callback([options] {
        auto repository = Repository::open();
        for (const JobInfo& job : select_jobs(repository, options->selector, false)) {
            try {
                receive_output(repository, job.id, options->receive, print_record);
            } catch (const Error& error) {
                // Removed since it was selected: nothing left to hand over.
                if (error.code() != ErrorCode::job_not_found) throw;
            }
        }
    });
}

}  // namespace jobctl::cli
