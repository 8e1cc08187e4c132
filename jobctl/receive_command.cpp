#include <unistd.h>

#include <cerrno>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/receive.hpp"

namespace jobctl::cli {
namespace {

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) throw_system_error("cannot write the output", errno);
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

// stdout records to stdout, result records to stdout as JSON lines,
// everything else (stderr, info) to stderr; in log order.
void print_record(OutputStream stream, std::string_view bytes) {
    switch (stream) {
        case OutputStream::out: return write_all(STDOUT_FILENO, bytes);
        case OutputStream::result: return write_all(STDOUT_FILENO, std::string(bytes) + '\n');
        default: return write_all(STDERR_FILENO, bytes);
    }
}

}  // namespace

void add_receive_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        ReceiveOptions receive;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("receive", "Print the output jobs have not yet handed over (Receive-Job)");
    command->footer("The job's stdout goes to stdout and its stderr to stderr, in the order the worker read them.\n"
                    "Received output is not printed again unless --keep was given.\n"
                    "Examples: jobctl receive build; jobctl receive --wait 3; jobctl receive --keep 1");
    add_selector_options(*command, options->selector);
    command->add_flag("-k,--keep", options->receive.keep, "Leave the output unreceived");
    command->add_flag("-w,--wait", options->receive.follow, "Follow the output live until the jobs finish");
    command->callback([options] {
        auto repository = Repository::open();
        for (const JobInfo& job : select_jobs(repository, options->selector, false))
            receive_output(repository, job.id, options->receive, print_record);
    });
}

}  // namespace jobctl::cli
