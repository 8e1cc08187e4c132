#pragma once
// The job model: ids, types, states and the snapshot of one job that readers get.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/error.hpp"

namespace jobctl {

using JobId = std::uint32_t;

// A scheduled job is a process job started by a schedule (`jobctl schedule`):
// it runs, stops and suspends as a process job does. A custom job is run by
// whatever registered it through CustomJob (jobctl/custom_job.hpp), under a
// type name of its own (JobInfo::type_name): a Slurm job ("slurm"), or an
// operation of a C++ program.
enum class JobType : std::uint8_t { process = 1, thread = 2, scheduled = 3, custom = 4 };

// A command run by a jobctl-worker: a process or a scheduled job.
inline bool runs_in_worker(JobType type) {
    return type == JobType::process || type == JobType::scheduled;
}

enum class JobState : std::uint8_t {
    not_started = 1,
    running = 2,
    stopping = 3,
    stopped = 4,
    completed = 5,
    failed = 6,
    blocked = 7,     // waiting for the jobs it runs after, or for a slot of its queue
    suspending = 8,  // asked to suspend; its processes are being stopped
    suspended = 9,   // every process of it is stopped (SIGSTOP) until resumed
};

// PowerShell spelling: NotStarted, Running, Stopping, Stopped, Completed,
// Failed, Blocked, Suspending, Suspended.
std::string_view to_string(JobState state);
std::string_view to_string(JobType type);
std::optional<JobState> parse_job_state(std::string_view text);  // case-insensitive
bool is_terminal(JobState state);

// Errors: invalid_argument unless `name` is a usable job name: 1 to 63
// bytes of UTF-8 without control characters, not all digits (it would read
// as an id), not starting with '-'. Every start checks it; a program that
// keeps a name for later (a schedule's runs carry its name) can check it first.
void check_job_name(const std::string& name);

// Errors: invalid_argument unless every label is KEY=VALUE: KEY of 1 to 32
// letters, digits, '_', '-' and '.', starting with a letter or a digit;
// VALUE UTF-8 without control characters (it may be empty); each KEY once;
// at most 183 bytes for all of them (counting a byte between each two).
void check_labels(const std::vector<std::string>& labels);

// The error for a job that is not there, as every operation on a named job
// throws it: Error(job_not_found) "no job with id 7", "no job named
// 'build'". For a program that looks jobs up in a listing of its own.
Error job_not_found(JobId id);
Error job_not_found(std::string_view name);

using Clock = std::chrono::system_clock;

// How far a job says it has got (a thread job's JobContext::progress).
struct JobProgress {
    double fraction = 0;  // 0 .. 1
    std::string text;     // what it is doing now; may be empty
    bool operator==(const JobProgress&) const = default;
};

// A copy of one job as it was when read from the repository.
// What a finished command's processes used, as the kernel counted it for
// the processes that were waited for (wait4's rusage: the command, what it
// waited for, and the orphans its worker reaped); for a job held in a
// cgroup, the CPU time is the cgroup's (cpu.stat: every process it held)
// and the peak its memory.peak where the kernel keeps one. The wall time
// is ended - began.
struct ResourceUse {
    std::chrono::microseconds user_cpu{0};
    std::chrono::microseconds system_cpu{0};
    std::uint64_t peak_rss_bytes = 0;  // the largest resident set of any one of those processes
    bool counted_by_cgroup = false;    // the CPU times (and peak, where kept) are the cgroup's

    bool operator==(const ResourceUse&) const = default;
};

struct JobInfo {
    JobId id = 0;
    JobId parent_id = 0;  // 0: no parent
    std::string name;
    JobType type = JobType::process;
    std::string type_name;  // what `get` shows as its Type: to_string(type), or a custom type's name
    JobState state = JobState::not_started;
    std::string reason;       // why it failed or stopped, or that it lost output; empty otherwise
    std::string command;      // display text, whole (a long one is kept in the job's folder)
    std::string location;     // host name; a custom job's own (a Slurm job: cluster, then cluster:node)
    std::string external_id;  // a custom job's name where it runs (a Slurm job id: "4711", "4711_3")
    std::optional<Clock::time_point> created, began, ended;
    std::optional<int> exit_code;    // set when the command exited
    std::optional<int> term_signal;  // set when a signal killed the command
    int owner_pid = 0;               // worker or thread host; 0 while unclaimed
    std::uint64_t owner_start_time = 0;
    std::uint64_t owner_pid_namespace = 0;  // what owner_pid and process_id are numbered in
    bool owner_claimed = false;             // the owner runs the job (not just launched it)
    int process_id = 0;                     // the command's pid and process group (process jobs)
    std::uint64_t process_start_time = 0;
    std::uint64_t output_bytes = 0;  // size of the output log
    std::uint64_t read_offset = 0;   // how much of it has been received
    bool stop_requested = false;
    bool suspend_requested = false;  // asked to suspend and not resumed since
    bool can_suspend = false;        // a process job or a foreach run (a library thread job cannot be)
    // How it was started (process jobs and foreach children; empty or unset
    // where not given).
    std::string cwd;                                   // the folder it runs in
    std::optional<std::chrono::milliseconds> timeout;  // its time limit
    std::vector<JobId> after;                          // runs once these have finished
    bool after_any_outcome = false;                    // ...whatever their outcome
    std::string queue;                                 // the queue it waits its turn in
    bool in_line = false;                              // Blocked only by its queue now
    bool children_have_more_data = false;              // a parent's HasMoreData includes its children's
    std::optional<JobProgress> progress;               // the last progress it reported, if any
    std::optional<ResourceUse> resources;  // a finished command's (process jobs, foreach children)
    bool in_cgroup = false;                // its command's processes are held in a cgroup of its own
    // Started on its own (start_process_job, a thread job, a custom job), not
    // as a family's parent (foreach, a Slurm array): it has no children.
    bool registered_alone = false;
    // A foreach parent that runs its children here (not on Slurm): how many
    // of them may run at once, its -j as last set (set_throttle_limit); 0
    // while paused. 0 for every other job.
    unsigned throttle_limit = 0;
    // It runs a command when it ends (--on-finish, a foreach's
    // --on-child-finish); finish_hook_of (jobctl/job_control.hpp) says which.
    bool has_finish_hook = false;
    // Retries (RunOptions::retry): the attempt running, or the last one
    // run (1 for the first), and how many it may have; 0 for both without.
    unsigned attempt = 0;
    unsigned attempts_allowed = 0;
    int priority = 0;                 // in its queue: a higher one is admitted first
    std::vector<std::string> labels;  // "KEY=VALUE", as given (check_labels)
    // The value of label KEY, if it has one.
    std::optional<std::string> label(std::string_view key) const;

    bool has_more_data() const { return output_bytes > read_offset || children_have_more_data; }
    bool finished() const { return is_terminal(state); }
    bool operator==(const JobInfo&) const = default;  // every field the same
};

// What holds every process a job started, so that stop, a time limit,
// suspend and resume reach them all (docs/reliability.md): "cgroup" for a
// command jobctl runs in a cgroup of its own, where the system lets it make
// one; "session" for one that runs without (under its worker, a child
// subreaper, or its foreach host); "slurm" for a Slurm job (Slurm's own);
// empty where the job has no processes of its own (a thread job, a foreach
// parent, another custom job) or none yet (its command has not started).
std::string_view containment(const JobInfo& job);

// The end of a finished job's reason that says its output was cut short for
// want of disk space: "output truncated: N bytes lost (no space left on
// device)" (or "disk quota exceeded"). Empty when nothing was lost.
std::string_view output_truncation(const JobInfo& job);

}  // namespace jobctl
