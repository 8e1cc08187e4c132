// jobctl run: the foreground form of start. The command runs as a job (its
// own worker, visible to `jobctl get` from other shells), its output is
// followed live, and jobctl exits with the command's status. Ctrl-C stops
// the job (not just the waiting).

#include <csignal>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/stop_on_signals.hpp"
#include "printable_text.hpp"
#include "record_printer.hpp"
#include "run_option_flags.hpp"
#include "slurm_option_flags.hpp"

namespace jobctl::cli {
namespace {

// The command's own status where it has one, as a shell would report it.
int exit_status_of(const JobInfo& job) {
    if (job.state == JobState::completed) return kSuccess;
    if (job.exit_code) return *job.exit_code;
    if (job.term_signal) return 128 + *job.term_signal;
    return kJobFailed;  // exec failed, worker lost, stopped before it started
}

// True when the exit status alone tells how the job ended: it Completed, or
// the command exited with a code of its own (a shell says no more either).
bool status_tells(const JobInfo& job) {
    if (job.state == JobState::completed) return true;
    return job.state == JobState::failed && job.exit_code && job.reason.starts_with("exited with code ");
}

const char* signal_word(int signal) {
    switch (signal) {
        case SIGINT:
            return "SIGINT";
        case SIGTERM:
            return "SIGTERM";
        case SIGHUP:
            return "SIGHUP";
        default:
            return "a signal";
    }
}

}  // namespace

void add_run_command(CLI::App& app, int& exit_code) {
    struct Options {
        std::string name;
        bool keep_job = false;
        std::optional<std::chrono::milliseconds> timeout;
        std::vector<std::string> command;
        RunOptions run;
        std::string on_finish;
        std::vector<std::string> labels;
        SlurmFlags slurm;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("run", "Run a command as a job in the foreground, following its output");
    command->footer(
        "Exits with the command's status (128 + N if signal N killed it). Ctrl-C stops the job and keeps "
        "it, with the output not printed yet (jobctl receive ID).\n"
        "Other shells see it as an ordinary job meanwhile. Example: jobctl run --name tests -- make check\n"
        "With --on slurm the command runs on the Slurm cluster (sbatch), its output followed from here.");
    add_name_option(*command, options->name, "Job name (default Job<id>; at most 63 bytes)");
    add_time_limit_option(*command, options->timeout);
    command->add_flag("--keep-job", options->keep_job,
                      "Leave the job in the repository afterwards (an interrupted run always does)");
    add_run_option_flags(*command, options->run, "; '-': this stdin, as it comes");
    add_retry_options(*command, options->run.retry, "the command");
    add_finish_hook_option(*command, "--on-finish", options->on_finish, "the job");
    add_label_option(*command, options->labels, "the job");
    add_slurm_option_flags(*command, options->slurm);
    command->add_option("command", options->command, "The command and its arguments, after --")->required();
    command->positionals_at_end();
    command->callback([options, &exit_code] {
        options->slurm.check();
        auto repository = Repository::open();
        StopOnSignals interrupt;  // Ctrl-C, SIGTERM, SIGHUP: stop the job, then exit 128 + the signal
        // Not `caller_exits_soon`: we stay until the job ends, so the worker must not be our child.
        // --stdin -: the command reads our stdin itself, live.
        ProcessJobSpec spec{
            .name = options->name, .argv = options->command, .run = options->run, .live_stdin = true};
        spec.run.timeout = options->timeout;
        spec.on_finish = options->on_finish;
        spec.labels = options->labels;
        options->slurm.add_local_limits(spec.run);
        JobInfo job = options->slurm.on_slurm() ? start_slurm_job(repository, spec, options->slurm.options)
                      : options->slurm.on_ssh() ? start_ssh_job(repository, spec, options->slurm.ssh())
                                                : start_process_job(repository, spec);
        // Said at once: a command that ignores SIGTERM may take the whole grace to stop.
        interrupt.watch(repository, job.id, [id = job.id, name = job.name](int, int count) {
            std::cerr << "jobctl: " << (count == 1 ? "stopping" : "killing") << " job " << id << " ("
                      << printable(name) << ")"
                      << (count == 1 ? ": SIGTERM now, SIGKILL in " + format_duration(kDefaultStopGrace) +
                                           " (Ctrl-C again: at once)"
                                     : " now")
                      << std::endl;
        });
        ::signal(SIGPIPE, SIG_IGN);  // a closed stdout is ReaderGone below: the job is stopped first
        struct Interrupted {};       // not a std::exception: only the catch below takes it
        try {
            RecordPrinter printer;
            OutputSink print = printer.sink();
            // Once interrupted, nothing more is printed: what the command wrote faster than the
            // terminal shows stays unreceived in the kept job, and does not hold up the exit.
            receive_output(repository, job.id, printer.following(),
                           [&](OutputStream stream, std::string_view bytes) {
                               if (interrupt.received() != 0) throw Interrupted{};
                               print(stream, bytes);
                           });
        } catch (const Interrupted&) {
            wait_for_jobs(repository, {job.id}, WaitMode::all, std::nullopt, OnRemoved::finished);
        } catch (const std::exception&) {
            // The output has nowhere to go (as a command in a pipeline dies of SIGPIPE): the job
            // is stopped and kept, what was not printed unreceived; a closed pipe exits 141 quietly.
            request_stop(repository, job.id, kDefaultStopGrace);
            throw;
        }
        JobInfo ended = repository.find(job.id).value_or(job);
        if (int signal = interrupt.received(); signal != 0) {
            // Like an interrupted foreach: the job stays, so that what it did can be looked at.
            std::cerr << "jobctl: job " << ended.id << " (" << printable(ended.name) << ") "
                      << to_string(ended.state) << ": interrupted by " << signal_word(signal) << "; kept ("
                      << (ended.has_more_data()
                              ? "the rest of its output: jobctl receive " + std::to_string(ended.id) + "; "
                              : "")
                      << "jobctl remove " << ended.id << ")\n";
            exit_code = 128 + signal;
            return;
        }
        // A lost worker is nothing the user did: the job stays, to be looked at.
        bool keep = options->keep_job || ended.reason.starts_with("worker lost");
        if (!status_tells(ended))  // timed out, exec failed, killed, stopped, worker lost: say why
            std::cerr << "jobctl: job " << ended.id << " (" << printable(ended.name) << ") "
                      << to_string(ended.state)
                      << (ended.reason.empty() ? "" : ": " + printable(ended.reason))
                      << (keep && !options->keep_job
                              ? "; kept (jobctl remove " + std::to_string(ended.id) + ")"
                              : "")
                      << '\n';
        if (!keep) remove_job(repository, job.id);  // its output was all received
        exit_code = exit_status_of(ended);
    });
}

}  // namespace jobctl::cli
