#pragma once
// Process jobs (Start-Job): a command run by its own jobctl-worker, which
// outlives the process that started it.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// RunOptions::stdin_file for the caller's own stdin.
inline constexpr std::string_view kCallersStdin = "-";

// Retries (GNU parallel's --retries, systemd's Restart=): an attempt that
// fails (an exit code not 0, a signal, its time limit) runs the command
// again under the same job, after a delay, until one succeeds or the
// attempts are used up; a stop ends them. Between attempts the job is
// Blocked, its reason says which attempt failed and why, and a queued job
// gives its slot up and waits its turn again. Each attempt's output
// follows the last's, after a line on stderr ("jobctl: attempt 2/3 ...").
// The time limit and the output cap are each attempt's.
struct RetryPolicy {
    unsigned retries = 0;  // attempts after the first; 0: none (at most kMaxRetries)
    // Before the second attempt; with max_delay, doubled before each next
    // one, up to max_delay (exponential backoff). At most a day each.
    std::chrono::milliseconds delay{0};
    std::chrono::milliseconds max_delay{0};
    // Only these exit codes (1-255) are retried; empty: any failure.
    std::vector<int> on_exit_codes;
};
inline constexpr unsigned kMaxRetries = 1000;

// How a job's command runs. Given to start_process_job, and to ForeachSpec
// for every child, where "{}" in `cwd`, in `env` values and in
// `stdin_file` is replaced by the child's input. Checked before anything is
// registered (a foreach checks what holds no "{}"; a child whose folder or
// stdin turns out bad ends Failed, saying why); errors: invalid_argument.
struct RunOptions {
    // The folder the command starts in; empty: the caller's. Relative to the
    // caller's folder; it must be an accessible folder. Recorded absolute
    // as the job's cwd.
    std::filesystem::path cwd;
    // NAME=VALUE, each set over the environment in order. NAME is letters,
    // digits and '_', not starting with a digit.
    std::vector<std::string> env;
    bool clear_env = false;  // start from an empty environment, plus `env`
    // As env(1) does, the program (argv[0]) is found along the command's own
    // PATH (after `env` and `clear_env`; none: /usr/local/bin:/usr/bin:/bin),
    // and a relative program path or PATH entry is relative to `cwd`.
    //
    // The command's stdin; empty: /dev/null. A file (relative to the
    // caller's folder) that must be readable. "-": the caller's stdin, see
    // ProcessJobSpec::live_stdin (a foreach refuses it).
    std::filesystem::path stdin_file;
    // Stopped (SIGTERM, then SIGKILL after the grace) and Failed ("timed out
    // after 30s") when it has run this long, not counting time suspended.
    std::optional<std::chrono::milliseconds> timeout;
    // Limits on everything the command starts, set on its cgroup (cgroup
    // containment): memory.max (a job killed by it ends Failed, "out of
    // memory (limit 512M)"), cpu.max (CPUs' worth of time, e.g. 0.5) and
    // pids.max. Refused (invalid_argument) where the job would get no
    // cgroup or the controller is not there for jobctl: never approximated.
    std::optional<std::uint64_t> memory_limit_bytes;
    std::optional<double> cpu_limit;
    std::optional<std::uint32_t> process_limit;
    // Keep at most this many bytes of the job's output: about the first
    // half of them and the last part up to the cap, cut at lines' ends
    // where near, with the middle drained and dropped; the job keeps its
    // outcome and its reason adds "output capped at 100M: N bytes dropped"
    // (receive shows where, with a line on stderr). The last part is in the
    // output once the job has ended. 0: no cap; none: the repository's
    // default (set_default_max_output). At least 4K.
    std::optional<std::uint64_t> max_output;
    RetryPolicy retry{};
    // Set by start_ssh_job (jobctl/ssh_job.hpp), not here: the host, as
    // `--on ssh:HOST` names it, where the command runs through ssh; `cwd`,
    // `env` and `clear_env` are then the remote side's. Empty: here.
    std::string ssh_host{};
};

// The output cap of the repository's process jobs and foreach children
// whose RunOptions set none (`jobctl repository --max-output`); 0: none.
std::uint64_t default_max_output(const Repository& repository);
// Errors: invalid_argument (not 0 and below 4K).
void set_default_max_output(const Repository& repository, std::uint64_t bytes);

// When a process job may run; until then it is Blocked.
struct StartConditions {
    // Runs once all of these have finished (at most 8, each an existing
    // job). If one did not end Completed, the job ends Failed without
    // running, unless after_any_outcome.
    std::vector<JobId> after;
    bool after_any_outcome = false;
    // Waits its turn in this queue: at most the queue's slots (set_queue_slots,
    // default 1) of its jobs run at once, by priority, then in the order they
    // were started.
    std::string queue;
    // Its place in the queue: a higher priority starts first (then the
    // earlier start). Needs `queue`. Between kMinPriority and kMaxPriority
    // (jobctl/job_queue.hpp); set_job_priority changes it while it waits.
    int priority = 0;
};

struct ProcessJobSpec {
    std::string name;               // empty: "Job<id>"
    std::vector<std::string> argv;  // argv[0] is looked up like execvp (see RunOptions)
    // False (the default): the worker is double-forked, so a long-lived
    // caller never has a zombie to reap. True for a caller that exits right
    // away (the jobctl command): the worker is its direct child, forked
    // without waiting for its exec (faster), and init inherits it when the
    // caller exits.
    bool caller_exits_soon = false;
    RunOptions run{};
    StartConditions start_when{};
    // With run.stdin_file "-": false, start_process_job reads the caller's
    // stdin to its end into the job's folder before it returns, and the
    // command reads that copy (Start-Job -InputObject); true, the command
    // reads the caller's stdin itself, as it comes (jobctl run).
    bool live_stdin = false;
    // process, or scheduled: a run of a schedule (`jobctl schedule`).
    JobType type = JobType::process;
    // A shell command run once when the job ends (however it ends: by its
    // worker, or by the process that finds it lost), with JOBCTL_JOB_ID,
    // JOBCTL_JOB_NAME, JOBCTL_JOB_STATE, JOBCTL_JOB_EXIT_CODE,
    // JOBCTL_JOB_SIGNAL, JOBCTL_JOB_REASON and JOBCTL_REPOSITORY in its
    // environment; detached, from the job's folder, its output in the
    // job's folder (finish_hook_of). It never changes the job's outcome.
    // Empty: none.
    std::string on_finish{};
    // KEY=VALUE labels (check_labels): shown with the job, and a way to
    // select it (jobctl --label).
    std::vector<std::string> labels{};
};

// Registers the job and launches a detached worker for it (its own session).
// Unless spec.run says otherwise, the command inherits the caller's
// environment and working directory, and its stdin is /dev/null.
// Errors, all before anything is registered: invalid_argument (no command,
// a bad name, bad run options); program_not_found (argv[0] cannot be found
// as the command will look for it, or jobctl-worker cannot be run).
// After: repository_full; system (reading stdin or the launch failed; the
// job is erased again).
JobInfo start_process_job(Repository& repository, const ProcessJobSpec& spec,
                          const std::filesystem::path& worker = {});

// `spec` checked as start_process_job checks it before it registers
// anything, and made to start the same from anywhere later: run.cwd and
// run.stdin_file absolute, run.cwd the caller's folder when it was empty.
// For a program that keeps a spec to start later (`jobctl schedule add`)
// and wants its errors now. The jobs of start_when.after are not looked for
// (that is for when it starts). Errors: invalid_argument (no command, a bad
// name, bad run options, too many jobs to run after, a bad queue name);
// program_not_found (argv[0] cannot be found as the command will look for it).
ProcessJobSpec checked_process_job_spec(const ProcessJobSpec& spec);

// jobctl restart: runs finished process job `id` again, under its id,
// with the command, folder, environment, stdin and options it first ran
// with (kept by its worker in its folder), through a new worker (as
// start_process_job, `caller_exits_soon` says how). Its outcome is
// cleared; its output stays, and the new run's follows a line on stderr
// ("jobctl: restarted"); its history keeps a line per end.
// Errors: job_not_found; job_busy (it has not finished, or was restarted
// meanwhile); invalid_argument (not a process job, none kept: it never
// started, or read its starter's stdin live); program_not_found (no
// jobctl-worker).
JobInfo restart_process_job(Repository& repository, JobId id, bool caller_exits_soon = false,
                            const std::filesystem::path& worker = {});

// Registers the job `spec` describes as ended at once, Failed with
// `reason`, without running anything (a schedule's run skipped because the
// previous one is still going). Errors: invalid_argument (a bad name or
// type), repository_full.
JobInfo record_failed_process_job(Repository& repository, const ProcessJobSpec& spec,
                                  const std::string& reason);

// What an unfinished job's processes have used so far, where its cgroup
// can tell (JobInfo::in_cgroup): CPU time from cpu.stat, peak memory from
// memory.peak where the kernel keeps one (else 0). None for a finished
// job (see JobInfo::resources), or one without a cgroup.
std::optional<ResourceUse> resources_so_far(Repository& repository, const JobInfo& job);

}  // namespace jobctl
