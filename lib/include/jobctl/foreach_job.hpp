#pragma once
// ForEach-Object -Parallel: one parent job, one child job per input. The
// children are thread jobs of one host process whose pool threads spawn
// the commands directly (no worker process per child). The parent's state
// derives from its children: Running while any runs, then Failed if any
// failed, else Stopped if any was stopped, else Completed.

#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// Inputs that arrive over time (a stream, such as a pipe). Waits until at
// least one input is there, then appends it and every further one that is
// there already, at most `max`; returns true. Returns false, appending
// nothing, at the end of the input, or once `stop_fd` (when >= 0) is
// readable: the run was stopped.
using ForeachInputSource = std::function<bool(std::vector<std::string>& batch, std::size_t max, int stop_fd)>;

// One input per line of `fd` (blank lines included; a last line without a
// newline counts), read as it comes. The descriptor stays the caller's.
// Errors (of the calls): system (a failed read).
ForeachInputSource input_lines(int fd);

// Open files a foreach holds per command running: the read ends of its
// stdout and stderr pipes, its pidfd, its job's stop and suspend eventfds,
// its output log, and the log's reader (measured: 7), plus one for the
// pipes of a spawn, plus its cgroup's folder, cgroup.procs and
// cgroup.events (cgroup containment). And besides them: stdio, the
// repository, signal and wake fds, and libraries' own; or the files open
// already (inherited ones too) and half this again, if more. A run's host
// raises its soft RLIMIT_NOFILE as far as its throttle limit needs, and a
// limit raised while it runs (set_throttle_limit) is cut to what its hard
// limit holds.
inline constexpr unsigned kOpenFilesPerCommand = 11;
inline constexpr unsigned kOpenFilesBesides = 64;

struct ForeachSpec {
    std::string name;                  // the parent's; empty: "Job<id>"
    std::vector<std::string> command;  // "{}" in any argument is replaced by the input; none: input appended
    std::vector<std::string> inputs;   // registered with the parent, all or none
    unsigned throttle_limit = 5;
    // Optional: more inputs after `inputs`, registered batch by batch as
    // they arrive (see ForeachJob::run). Not for start_foreach_job.
    ForeachInputSource more_inputs;
    // For every child; "{}" in cwd, env values and stdin_file is its input
    // (see RunOptions). stdin_file "-" is refused: the children cannot share
    // one stdin.
    RunOptions run{};
    // GNU parallel's --halt now,fail=1: at the first child that fails, the
    // rest are stopped (running ones as `stop` does, queued ones never
    // start) and the parent ends Failed ("...; halted (--halt-on-error)").
    bool halt_on_error = false;
    // GNU parallel's --joblog: this file is made (or emptied) and gets a
    // header line, then a line per child that started, as it ends (Seq Host
    // Starttime JobRuntime Send Receive Exitval Signal Command,
    // tab-separated; Seq the input's number, Receive its stdout bytes).
    // Empty: none. A file that is not regular, or in the repository's own
    // folder, is refused (invalid_argument).
    std::filesystem::path joblog{};
    // Finish hooks (ProcessJobSpec::on_finish): the parent's, run once when
    // the whole foreach has ended, and each child's (with
    // JOBCTL_JOB_PARENT_ID too), run as each one ends. Empty: none.
    std::string on_finish{};
    std::string on_child_finish{};
    std::vector<std::string> labels{};  // the parent's and every child's (check_labels)
    // Where the children run (jobctl/ssh_job.hpp). Empty: here. Else on
    // these hosts over ssh, as SshOptions names them (`foreach --on
    // ssh:A,B`): each child, as it starts, on the host with the fewest of
    // them running, at most throttle_limit at once on each; "{}" in cwd is
    // the remote side's. The children are of type "ssh", their Location
    // the host once started; a shared connection to each host is opened
    // before anything is registered (errors: cluster, program_not_found).
    std::vector<std::string> ssh_hosts{};
    // Instead: each input is a host, and its child runs the command there
    // as it is, "{}" not replaced (start_ssh_job with several hosts: one
    // child per host, named PARENT:HOST).
    bool inputs_are_hosts = false;
};

// What ForeachJob and start_foreach_job refuse before they register
// anything, as far as can be told before "{}" is replaced: for a program
// that wants the errors before it reads its inputs (`jobctl foreach` checks
// before it reads stdin). Errors: invalid_argument (no command, a bad name,
// throttle 0, bad run options, stdin_file "-", a joblog that cannot be
// written); program_not_found.
void check_foreach_spec(const ForeachSpec& spec);

namespace detail {
class JoblogFile;
// One child's command and how it runs, "{}" replaced by its input.
struct ChildCommand {
    std::vector<std::string> argv;
    RunOptions run;
};
}  // namespace detail

class ForeachJob {
public:
    // Registers the parent job and one child per input of spec.inputs, all
    // of them or none: if the repository cannot hold them all (after
    // evicting finished jobs whose output was received), nothing is
    // registered. They are owned by this process; the children get the ids
    // after the parent's, in input order, and are named NAME:1, NAME:2...
    // Errors: invalid_argument (no command, a bad name, throttle 0, bad run
    // options); program_not_found; repository_full (nothing registered).
    ForeachJob(Repository& repository, ForeachSpec spec);

    // restart --failed: the failed and stopped children of finished foreach
    // `parent`, to run again (run) under their ids, by this process as
    // their host, with the command and options the foreach first had (its
    // host kept them in the parent's folder). The parent is Running again
    // meanwhile, and ends as a foreach does, counting every child. A run on
    // other hosts runs them on the same hosts (each on its own host, or
    // spread over the run's), their connections opened first.
    // Errors: job_not_found; job_busy (it has not finished); invalid_argument
    // (not a foreach run here, none kept: an older jobctl ran it; no child
    // failed or stopped); those of start_ssh_job's connections.
    struct RerunFailed {
        JobId parent;
    };
    ForeachJob(Repository& repository, RerunFailed rerun);

    const JobInfo& parent() const { return parent_; }

    // Runs the children, at most throttle_limit at once, and returns when
    // all have finished. With spec.more_inputs, it also reads more inputs
    // meanwhile and registers each batch of them all or none, until the
    // input ends or the parent is asked to stop.
    // `on_child_registered` gets each child's id in input order before it
    // is queued; `on_all_registered` is called once no more will come;
    // `on_child_finished` is called from pool threads as each ends. Returns
    // the parent's final copy.
    // Errors: repository_full, when a later batch of more_inputs does not
    // fit: foreach stops reading, lets the children registered so far
    // finish, records the parent Failed ("repository full after N inputs"),
    // then throws. The same for an error reading the input (system).
    struct Callbacks {
        std::function<void(JobId)> on_child_registered;
        std::function<void()> on_all_registered;
        std::function<void(const JobInfo&)> on_child_finished;
    };
    JobInfo run(const Callbacks& callbacks);

private:
    void keep_finish_hooks();
    void keep_spec_for_restart();
    void take_kept_hosts(const std::string& named, const std::vector<std::string>& inputs);
    void update_parent(bool final, const std::string& failure = "");
    void check_not_the_repositorys(const std::filesystem::path& joblog) const;
    std::uint64_t stdout_bytes(const JobInfo& child) const;

    Repository& repository_;
    ForeachSpec spec_;
    JobInfo parent_;
    std::vector<detail::ChildCommand> first_children_;  // those of spec.inputs, until run
    std::vector<JobId> first_ids_;                      // theirs, when not the ids after the parent's
    std::size_t registered_ = 0;                        // children
    std::size_t failed_ = 0, stopped_ = 0;              // children ended so (guarded by run's lock)
    bool halted_ = false;                               // halt_on_error struck (guarded by run's lock)
    std::shared_ptr<detail::JoblogFile> joblog_;        // spec.joblog, open from the start
};

// --as-job: hands the whole run to a detached host process (its own
// session) and returns the parent job once it and all its children are
// registered. The host is a fork of the caller, not an exec: call it from a
// single-threaded process (the jobctl command does). Errors of the host
// (a full repository, say) are thrown here with their own code.
// Errors: invalid_argument (spec.more_inputs is set: read the input
// first); as ForeachJob and run; system (the fork failed, or the host ended
// without answering).
JobInfo start_foreach_job(Repository& repository, const ForeachSpec& spec);

}  // namespace jobctl
