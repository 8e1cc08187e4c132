// jobctl foreach: ForEach-Object -Parallel from the command line.

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <iostream>
#include <limits>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "commands.hpp"
#include "duration_option.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/slurm_job.hpp"
#include "jobctl/stop_on_signals.hpp"
#include "jobs_table_printer.hpp"
#include "open_file_room.hpp"
#include "printable_text.hpp"
#include "progress_line.hpp"
#include "record_printer.hpp"
#include "run_option_flags.hpp"
#include "slurm_option_flags.hpp"

namespace jobctl::cli {
namespace {

// A kept run's outcome was shown (its children's output printed, its
// failures named): received, as `receive` would have marked it, so that a
// full table may make room with it.
void hand_over_outcome(Repository& repository, JobId parent) {
    receive_output(repository, parent, {}, [](OutputStream, std::string_view) {});
}

constexpr std::string_view kInputSeparator = ":::";

struct ForeachOptions {
    unsigned jobs = 5;
    std::string name;
    bool as_job = false;
    bool quiet = false;
    bool keep_jobs = false;
    bool halt_on_error = false;
    std::string joblog;               // --joblog FILE
    std::string on_finish;            // --on-finish CMD
    std::string on_child_finish;      // --on-child-finish CMD
    std::vector<std::string> labels;  // --label KEY=VALUE
    std::vector<std::string> words;   // CMD ARGS... [::: INPUT...]
    RunOptions run;                   // with the time limit of each child
    SlurmFlags slurm;
};

// Splits "CMD ARGS ::: INPUTS". Without ":::", the inputs are stdin's lines
// (read_stdin_inputs).
ForeachSpec spec_from(const ForeachOptions& options, bool& from_stdin) {
    ForeachSpec spec{options.name, {}, {}, options.jobs, {}, options.run};
    spec.halt_on_error = options.halt_on_error;
    spec.on_finish = options.on_finish;
    spec.on_child_finish = options.on_child_finish;
    spec.labels = options.labels;
    if (!options.joblog.empty())
        spec.joblog = std::filesystem::absolute(options.joblog);  // the host's folder may differ
    auto separator = std::ranges::find(options.words, kInputSeparator);
    spec.command.assign(options.words.begin(), separator);
    from_stdin = separator == options.words.end();
    if (!from_stdin) spec.inputs.assign(separator + 1, options.words.end());
    return spec;
}

// Stdin's lines. --as-job: all of them, to the end, before anything runs.
// In the foreground: the lines that are there when foreach first looks
// (waiting for one if need be) are `inputs`, registered all or none with
// the parent; those that come later are `more_inputs`, registered as they
// come. At most `capacity` at first: more could never fit.
void read_stdin_inputs(ForeachSpec& spec, bool as_job, std::uint32_t capacity) {
    ForeachInputSource lines = input_lines(STDIN_FILENO);
    if (as_job) {
        while (lines(spec.inputs, std::numeric_limits<std::size_t>::max(), -1)) {
        }
        return;
    }
    if (lines(spec.inputs, capacity, -1)) spec.more_inputs = std::move(lines);
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

// Removes a finished run whose output was all printed (received).
void remove_run(Repository& repository, JobId parent) {
    try {
        remove_job(repository, parent);
    } catch (const Error&) {  // someone else removed or holds it: leave it
    }
}

int run_in_foreground(Repository& repository, ForeachSpec spec, const ForeachOptions& options) {
    StopOnSignals interrupt;  // Ctrl-C stops every child, then we exit 128 + signal
    bool streaming = static_cast<bool>(spec.more_inputs);
    ForeachJob job(repository, std::move(spec));
    interrupt.watch(repository, job.parent().id);
    bool quiet = options.quiet;
    ProgressLine progress(!quiet && ::isatty(STDERR_FILENO), streaming);
    ChildList children;
    // Each child's output whole, in input order, while later ones run.
    // If printing fails (stdout closed, as by `| head -1`), the run is
    // stopped: its output has nowhere to go. SIGPIPE is ignored so that this
    // shows as EPIPE here instead of killing us with the commands still running;
    // then we exit 141 quietly (see ReaderGone).
    ::signal(SIGPIPE, SIG_IGN);
    std::string print_error;
    bool reader_gone = false;
    std::thread printer([&] {
        try {
            // Output in blocks; the progress line is cleared and drawn again
            // around each write, and not while the output ends mid-line.
            RecordPrinter printer;
            OutputSink sink = [&](OutputStream stream, std::string_view bytes) {
                if (!printer.would_write(stream, bytes.size())) return printer.print(stream, bytes);
                progress.print_lines_above([&] {
                    printer.print(stream, bytes);
                    return printer.at_line_start();
                });
            };
            ReceiveOptions following = printer.following();
            following.on_delivered = [&] {
                if (!printer.pending()) return;
                progress.print_lines_above([&] {
                    printer.flush();
                    return printer.at_line_start();
                });
            };
            following.on_truncated = [&](const JobInfo& child_job, std::string_view truncation) {
                progress.print_lines_above([&] {
                    printer.print_truncation(child_job, truncation);
                    return true;
                });
            };
            for (std::size_t i = 0;; ++i) {
                JobId child = children.at(i);
                if (child == 0) return;
                receive_output(repository, child, following, sink);
            }
        } catch (const ReaderGone&) {
            reader_gone = true;
            request_stop(repository, job.parent().id, kDefaultStopGrace);
        } catch (const std::exception& error) {
            print_error = error.what();
            request_stop(repository, job.parent().id, kDefaultStopGrace);
        }
    });
    // Children that did not complete, to be named at the end as `wait` names
    // its jobs (the run's exit code 1 alone would not say which, or why).
    std::mutex unsuccessful_mutex;
    std::vector<JobInfo> unsuccessful;
    JobInfo parent;
    try {
        parent = job.run({.on_child_registered =
                              [&](JobId id) {
                                  progress.child_registered();
                                  children.add(id);
                              },
                          .on_all_registered = [&] { progress.input_ended(); },
                          .on_child_finished =
                              [&](const JobInfo& child) {
                                  progress.child_finished(child.state == JobState::failed);
                                  if (child.state == JobState::completed) return;
                                  std::lock_guard lock(unsuccessful_mutex);
                                  unsuccessful.push_back(child);
                              }});
    } catch (...) {
        children.close();
        printer.join();
        throw;
    }
    children.close();
    printer.join();
    if (interrupt.received() != 0) return 128 + interrupt.received();  // like a shell's status
    if (reader_gone) throw ReaderGone();
    if (!print_error.empty()) throw Error(ErrorCode::system, print_error + "; the run was stopped");
    if (!quiet) {
        std::ranges::sort(unsuccessful, {}, &JobInfo::id);
        for (const JobInfo& child : unsuccessful)
            std::cerr << "jobctl: job " << child.id << " (" << printable(child.name) << ") "
                      << to_string(child.state)
                      << (child.reason.empty() ? "" : ": " + printable(child.reason)) << '\n';
    }
    // Like ForEach-Object -Parallel without -AsJob: no jobs are left behind.
    // Everything was printed, so nothing unreceived is lost.
    if (!options.keep_jobs)
        remove_run(repository, parent.id);
    else
        hand_over_outcome(repository, parent.id);
    return parent.state == JobState::completed ? kSuccess : kJobFailed;
}

// --on slurm: one Slurm job array, at most -j tasks at once; in the
// foreground each task's output is printed whole, in input order.
int run_on_slurm(Repository& repository, const ForeachSpec& spec, const ForeachOptions& options) {
    if (options.halt_on_error)
        throw Error(ErrorCode::invalid_argument, "--halt-on-error does not apply to --on slurm");
    if (options.run.timeout)
        throw Error(ErrorCode::invalid_argument, "--timeout does not apply to --on slurm (use --time)");
    if (!options.joblog.empty())
        throw Error(ErrorCode::invalid_argument,
                    "--joblog does not apply to --on slurm (sacct, or jobctl history, has each task)");
    if (!options.on_finish.empty() || !options.on_child_finish.empty())
        throw Error(ErrorCode::invalid_argument,
                    "--on-finish and --on-child-finish do not apply to --on slurm");
    SlurmArraySpec array{spec.name, spec.command, spec.inputs, spec.throttle_limit, spec.run, spec.labels};
    JobInfo parent = start_slurm_array(repository, array, options.slurm.options);
    if (options.as_job) {
        if (options.quiet)
            std::cout << parent.id << '\n';
        else
            print_job_table(std::cout, {parent});
        return kSuccess;
    }
    StopOnSignals interrupt;
    interrupt.watch(repository, parent.id);
    ::signal(SIGPIPE, SIG_IGN);
    try {
        RecordPrinter printer;
        for (const JobInfo& child : children_of(repository, parent.id))
            receive_output(repository, child.id, printer.following(), printer.sink());
    } catch (const std::exception&) {  // Error, or ReaderGone (a closed pipe)
        request_stop(repository, parent.id, kDefaultStopGrace);
        throw;
    }
    auto ended = wait_for_jobs(repository, {parent.id}, WaitMode::all, std::nullopt);
    if (interrupt.received() != 0) return 128 + interrupt.received();
    JobInfo finished = ended && !ended->empty() ? ended->front() : parent;
    if (!options.quiet)
        for (const JobInfo& child : children_of(repository, parent.id))
            if (child.state != JobState::completed)
                std::cerr << "jobctl: job " << child.id << " (" << printable(child.name) << ") "
                          << to_string(child.state)
                          << (child.reason.empty() ? "" : ": " + printable(child.reason)) << '\n';
    if (!options.keep_jobs && finished.finished())
        remove_run(repository, parent.id);
    else if (finished.finished())
        hand_over_outcome(repository, parent.id);
    return finished.state == JobState::completed ? kSuccess : kJobFailed;
}

}  // namespace

void add_foreach_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<ForeachOptions>();
    CLI::App* command =
        app.add_subcommand("foreach", "Run a command once per input, N at a time (ForEach-Object -Parallel)");
    command->footer(
        "Usage: jobctl foreach [-j N] [--name NAME] [--as-job] [-q] [--keep-jobs] [--timeout DURATION]\n"
        "                      [--halt-on-error] [--joblog FILE] [--cwd DIR] [--env NAME=VALUE]...\n"
        "                      [--clear-env] [--stdin FILE] [--max-output SIZE] [--on-finish CMD]\n"
        "                      [--on-child-finish CMD] [--on slurm [SLURM OPTIONS] | --on ssh:HOST,...]\n"
        "                      -- CMD ARGS... [::: INPUT...]\n"
        "'{}' in the arguments is replaced by the input (appended when absent). Without ':::',\n"
        "inputs are read from stdin, one per line. One parent job, one child job per input.\n"
        "Prints each child's output whole, in input order; exit 1 if any child failed.\n"
        "Examples: jobctl foreach -j 4 -- gzip -k {} ::: *.log\n"
        "          ls *.png | jobctl foreach --as-job --name thumbs -- convert {} -resize 64x64 small/{}\n"
        "With --on slurm the inputs become one Slurm job array (sbatch --array=0-K%N, N from -j).\n"
        "With --on ssh:A,B the children run on those hosts over ssh, N at a time on each (-j N).");
    command
        ->add_option(
            "-j,--jobs", options->jobs,
            "At most this many commands at once (default 5). Each holds about 8 open files: the "
            "soft limit (ulimit -n) is raised to fit, and what the hard limit cannot hold is refused")
        ->check(CLI::Range(1u, kMaxForeachThrottle));
    add_name_option(*command, options->name, "Name of the parent job (children are NAME:1, NAME:2, ...)");
    command->add_flag("--as-job", options->as_job, "Run in a detached host and print the parent job at once");
    command->add_flag("-q,--quiet", options->quiet,
                      "No progress line on stderr; with --as-job, print only the parent's id");
    command->add_flag(
        "--keep-jobs", options->keep_jobs,
        "Leave the parent and children in the repository after a foreground run (they are removed "
        "once their output is printed, unless interrupted)");
    add_run_option_flags(*command, options->run, "", true);
    add_retry_options(*command, options->run.retry, "each child's command");
    add_finish_hook_option(*command, "--on-finish", options->on_finish, "the whole foreach");
    add_finish_hook_option(*command, "--on-child-finish", options->on_child_finish,
                           "each child (with JOBCTL_JOB_PARENT_ID)");
    add_label_option(*command, options->labels, "the parent and each child");
    add_slurm_option_flags(*command, options->slurm);
    add_time_limit_option(*command, options->run.timeout, "Time limit of each child");
    command->add_flag("--halt-on-error", options->halt_on_error,
                      "At the first child that fails, stop the others and start no more (exit 1)");
    command
        ->add_option(
            "--joblog", options->joblog,
            "Write GNU parallel's joblog to FILE (made or emptied): a header, then a line per child as "
            "it ends (Seq Host Starttime JobRuntime Send Receive Exitval Signal Command, tab-separated)")
        ->type_name("FILE")
        ->check(CLI::Validator(
            [](std::string& file) -> std::string {
                if (file.empty()) return "needs a file name";
                if (file == "-") return "writes to a file, not to stdout (where the children's output goes)";
                return "";
            },
            ""));
    command->add_option("command", options->words, "CMD ARGS... [::: INPUT...]")->required();
    command->positionals_at_end();
    command->callback([options, &exit_code] {
        options->slurm.check();
        bool from_stdin = false;
        ForeachSpec spec = spec_from(*options, from_stdin);
        if (options->slurm.on_ssh()) spec.ssh_hosts = options->slurm.ssh().hosts;
        options->slurm.add_local_limits(spec.run);
        check_foreach_spec(spec);
        if (!from_stdin && spec.inputs.empty()) return;  // nothing to do, like xargs -r
        // The commands run here, or in a host forked from here: room for
        // them first (stdin's inputs are not counted yet: -j it is).
        if (!options->slurm.on_slurm()) {
            // On other hosts, -j is each host's: an ssh here for each of them.
            unsigned per_host =
                from_stdin ? options->jobs
                           : static_cast<unsigned>(std::min<std::size_t>(options->jobs, spec.inputs.size()));
            make_room_for_commands(per_host *
                                   static_cast<unsigned>(std::max<std::size_t>(1, spec.ssh_hosts.size())));
        }
        auto repository = Repository::open();
        bool whole_input = options->as_job || options->slurm.on_slurm();  // one array: every input first
        if (from_stdin) read_stdin_inputs(spec, whole_input, repository.capacity());
        if (spec.inputs.empty()) return;
        if (options->slurm.on_slurm()) {
            exit_code = run_on_slurm(repository, spec, *options);
            return;
        }
        if (options->as_job) {
            JobInfo parent = start_foreach_job(repository, spec);
            if (options->quiet)
                std::cout << parent.id << '\n';
            else
                print_job_table(std::cout, {parent});
            return;
        }
        exit_code = run_in_foreground(repository, std::move(spec), *options);
    });
}

}  // namespace jobctl::cli
