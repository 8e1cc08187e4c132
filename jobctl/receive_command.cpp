#include <iostream>
#include <memory>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/receive.hpp"
#include "output_shaping.hpp"
#include "printable_text.hpp"
#include "record_printer.hpp"

namespace jobctl::cli {
namespace {

struct ReceiveCommandOptions {
    JobSelector selector;
    ReceiveOptions receive;
    OutputShaping shaping;
    bool remove = false;
    bool last_run = false;  // --last-run
};

// The marker a retry or a restart writes before the output of its run.
bool starts_a_run(OutputStream stream, std::string_view bytes) {
    return stream == OutputStream::info &&
           (bytes.starts_with("jobctl: attempt ") || bytes == "jobctl: restarted\n");
}

// --last-run: how many records come before the last run's marker (read
// once to count, so that nothing of the earlier runs is held).
std::size_t records_before_last_run(Repository& repository, JobId id) {
    std::size_t count = 0, before = 0;
    ReceiveOptions all{.keep = true, .all = true};
    receive_output(repository, id, all, [&](OutputStream stream, std::string_view bytes) {
        if (starts_a_run(stream, bytes)) before = count;
        ++count;
    });
    return before;
}

// One job's output, shaped: with --tail, the last lines of what is there
// now, then (with --wait) the rest as it comes. False if the job is gone.
bool receive_shaped(Repository& repository, JobId id, const ReceiveCommandOptions& options) {
    RecordPrinter printer;
    OutputShaper shaper(options.shaping, printer);
    bool delivered = false;
    std::size_t skip = options.last_run ? records_before_last_run(repository, id) : 0;
    auto sink = [&](OutputStream stream, std::string_view bytes, Clock::time_point read) {
        if (skip > 0) {
            --skip;
            return;
        }
        delivered = true;
        shaper.take(stream, bytes, read);
    };
    ReceiveOptions receive = options.receive;
    receive.on_delivered = [&printer] { printer.flush(); };
    receive.on_truncated = [&printer](const JobInfo& job, std::string_view truncation) {
        printer.print_truncation(job, truncation);
    };
    // Only for a tail: told where the backlog ends, a parent's children are
    // read up to now one after the other before any is followed, which
    // would no longer hand each one's output over whole.
    if (options.shaping.tail) receive.on_caught_up = [&shaper] { shaper.release_tail(); };
    try {
        receive_output(repository, id, receive, sink);
        return true;
    } catch (const Error& error) {
        // Removed since it was selected: nothing left to hand over. Removed
        // while being printed, or followed (--wait): what was printed is a
        // part, or its end was never seen, and we say so (exit 3, as wait).
        if (error.code() != ErrorCode::job_not_found) throw;
        if (delivered || options.receive.follow) std::cerr << "jobctl: " << printable(error.what()) << '\n';
        return false;
    }
}

// --remove: the job has finished (receive followed it); it goes, and its
// outcome is the exit status, as wait would give it.
int remove_received(Repository& repository, JobId id) {
    auto job = repository.find(id);
    if (!job) return kSuccess;
    int status = exit_code_of_outcome(*job, false);
    try {
        remove_job(repository, id);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::job_not_found) throw;
    }
    return status;
}

}  // namespace

void add_receive_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ReceiveCommandOptions>();
    CLI::App* command =
        app.add_subcommand("receive", "Print the output jobs have not yet handed over (Receive-Job)");
    command->footer(
        "The job's stdout goes to stdout and its stderr to stderr, in the order the worker read them.\n"
        "Received output is not printed again unless --keep was given; --all prints a job's whole output\n"
        "again, as long as the job exists, and marks nothing received. A job whose output was cut short\n"
        "by a full disk is named on stderr after its output (\"jobctl: job N: output truncated: ...\").\n"
        "With --remove --wait, the exit status is wait's for the jobs: 0 all Completed, 1 one Failed or\n"
        "Stopped. With --wait, a job removed before its end was seen is named on stderr, exit 3.\n"
        "Examples: jobctl receive build; jobctl receive --wait 3; jobctl receive --keep 1;\n"
        "jobctl receive --wait --remove build; jobctl receive --tail 20 --timestamps build;\n"
        "jobctl receive --all --tail 20 --wait build (the last 20 lines so far, then follow)");
    add_selector_options(*command, options->selector);
    auto* keep = command->add_flag("-k,--keep", options->receive.keep, "Leave the output unreceived");
    auto* all = command->add_flag("-a,--all", options->receive.all,
                                  "The whole output again, from its start, received or not; "
                                  "marks nothing received");
    all->excludes(keep);
    auto* wait = command->add_flag("-w,--wait", options->receive.follow,
                                   "Follow the output live until the jobs finish");
    command
        ->add_flag("--remove", options->remove,
                   "With --wait: remove each job once it has finished and its output is printed "
                   "(-AutoRemoveJob); the exit status is wait's")
        ->needs(wait)
        ->excludes(keep);
    command
        ->add_option_function<std::string>(
            "--stream",
            [options](const std::string& name) {
                options->shaping.only = name == "out"   ? OutputStream::out
                                        : name == "err" ? OutputStream::err
                                                        : OutputStream::result;
            },
            "Only this stream. The output stays unreceived: it is one log, received whole")
        ->check(CLI::IsMember({"out", "err", "results"}))
        ->type_name("STREAM");
    command
        ->add_flag_callback(
            "--last-run",
            [options] {
                options->last_run = true;
                options->receive.all = true;  // read again from the start, marking nothing
            },
            "Only the last run's output: after the last retry (\"jobctl: attempt N/M\") or restart, "
            "from its line on; marks nothing received")
        ->excludes(keep)
        ->excludes(all)
        ->excludes(wait);
    command->add_flag("-t,--timestamps", options->shaping.timestamps,
                      "Begin each line with the time it was read (UTC, ISO 8601)");
    command
        ->add_option("--tail", options->shaping.tail,
                     "Only the last N lines of what is unreceived, or with --all of the whole output "
                     "(all of it counts as received unless --keep or --all); with --wait, then the "
                     "rest as it comes")
        ->check(CLI::Range(std::size_t{1}, std::size_t{1} << 30))
        ->type_name("N");
    command->callback([options, &exit_code] {
        if (options->shaping.only) options->receive.keep = true;  // see --stream
        // Reading without receiving changes nothing: every job of a name.
        options->selector.every_match = (options->receive.keep || options->receive.all) && !options->remove;
        auto repository = Repository::open();
        for (const JobInfo& job : select_jobs(repository, options->selector, false)) {
            bool received = receive_shaped(repository, job.id, *options);
            if (!received && options->receive.follow) exit_code = kJobNotFound;
            if (received && options->remove && remove_received(repository, job.id) != kSuccess)
                exit_code = kJobFailed;
        }
    });
}

}  // namespace jobctl::cli
