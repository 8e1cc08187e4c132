// jobctl foreach: ForEach-Object -Parallel from the command line.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <iostream>
#include <memory>
#include <mutex>
#include <thread>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "job_table.hpp"
#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/receive.hpp"
#include "progress_line.hpp"
#include "record_printer.hpp"

namespace jobctl::cli {
namespace {

constexpr std::string_view kInputSeparator = ":::";

struct ForeachOptions {
    unsigned jobs = 5;
    std::string name;
    bool as_job = false;
    bool quiet = false;
    std::vector<std::string> words;  // CMD ARGS... [::: INPUT...]
};

// Splits "CMD ARGS ::: INPUTS"; without ":::", inputs are stdin's lines.
ForeachSpec spec_from(const ForeachOptions& options) {
    ForeachSpec spec{options.name, {}, {}, options.jobs};
    auto separator = std::ranges::find(options.words, kInputSeparator);
    spec.command.assign(options.words.begin(), separator);
    if (separator != options.words.end()) {
        spec.inputs.assign(separator + 1, options.words.end());
    } else {
        for (std::string line; std::getline(std::cin, line);) spec.inputs.push_back(line);
    }
    return spec;
}

// Children's ids as they are registered, for the printer thread.
class ChildList {
public:
    void add(JobId id) {
        {
            std::lock_guard lock(mutex_);
            ids_.push_back(id);
        }
        changed_.notify_all();
    }
    void close() {
        {
            std::lock_guard lock(mutex_);
            closed_ = true;
        }
        changed_.notify_all();
    }
    // The i-th child, once registered; 0 when there will be none.
    JobId at(std::size_t index) {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return index < ids_.size() || closed_; });
        return index < ids_.size() ? ids_[index] : 0;
    }

private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<JobId> ids_;
    bool closed_ = false;
};

// Ctrl-C (or SIGTERM/SIGHUP) stops the run: every child gets its stop.
class InterruptStopsJob {
public:
    InterruptStopsJob() {
        sigemptyset(&signals_);
        for (int signal : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&signals_, signal);
        pthread_sigmask(SIG_BLOCK, &signals_, nullptr);  // before any thread exists: all inherit it
    }
    void watch(Repository& repository, JobId parent) {
        std::thread([this, &repository, parent] {
            int signal = 0;
            if (sigwait(&signals_, &signal) != 0) return;
            interrupted_ = true;
            try {
                request_stop(repository, parent, kDefaultStopGrace);
            } catch (const std::exception&) {
            }
        }).detach();
    }
    bool interrupted() const { return interrupted_; }

private:
    sigset_t signals_;
    std::atomic<bool> interrupted_{false};
};

int run_in_foreground(Repository& repository, ForeachSpec spec, bool quiet) {
    InterruptStopsJob interrupt;
    std::size_t total = spec.inputs.size();
    ForeachJob job(repository, std::move(spec));
    interrupt.watch(repository, job.parent().id);
    ProgressLine progress(total, !quiet && ::isatty(STDERR_FILENO));
    ChildList children;
    // Each child's output whole, in input order, while later ones run.
    std::thread printer([&] {
        for (std::size_t i = 0;; ++i) {
            JobId child = children.at(i);
            if (child == 0) return;
            receive_output(repository, child, {.keep = false, .follow = true},
                           [&](OutputStream stream, std::string_view bytes) {
                               progress.print_above([&] { print_record(stream, bytes); });
                           });
        }
    });
    JobInfo parent;
    try {
        parent = job.run([&](JobId id) { children.add(id); },
                         [&](const JobInfo& child) { progress.child_finished(child.state == JobState::failed); });
    } catch (...) {
        children.close();
        printer.join();
        throw;
    }
    children.close();
    printer.join();
    if (interrupt.interrupted()) return 128 + SIGINT;  // like a shell's status for Ctrl-C
    return parent.state == JobState::completed ? kSuccess : kJobFailed;
}

}  // namespace

void add_foreach_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ForeachOptions>();
    CLI::App* command = app.add_subcommand("foreach", "Run a command once per input, N at a time (ForEach-Object -Parallel)");
    command->footer(
        "Usage: jobctl foreach [-j N] [--name NAME] [--as-job] [-q] -- CMD ARGS... [::: INPUT...]\n"
        "'{}' in the arguments is replaced by the input (appended when absent). Without ':::',\n"
        "inputs are read from stdin, one per line. One parent job, one child job per input.\n"
        "Prints each child's output whole, in input order; exit 1 if any child failed.\n"
        "Examples: jobctl foreach -j 4 -- gzip -k {} ::: *.log\n"
        "          ls *.png | jobctl foreach --as-job --name thumbs -- convert {} -resize 64x64 small/{}");
    command->add_option("-j,--jobs", options->jobs, "At most this many commands at once (default 5)")
        ->check(CLI::Range(1u, 4096u));
    command->add_option("--name", options->name, "Name of the parent job (children are NAME:1, NAME:2, ...)");
    command->add_flag("--as-job", options->as_job, "Run in a detached host and print the parent job at once");
    command->add_flag("-q,--quiet", options->quiet, "No progress line on stderr");
    command->add_option("command", options->words, "CMD ARGS... [::: INPUT...]")->required();
    command->positionals_at_end();
    command->callback([options, &exit_code] {
        ForeachSpec spec = spec_from(*options);
        check_foreach_spec(spec);
        if (spec.inputs.empty()) return;  // nothing to do, like xargs -r
        auto repository = Repository::open();
        if (options->as_job) {
            print_job_table(std::cout, {start_foreach_job(repository, spec)});
            return;
        }
        exit_code = run_in_foreground(repository, std::move(spec), options->quiet);
    });
}

}  // namespace jobctl::cli
