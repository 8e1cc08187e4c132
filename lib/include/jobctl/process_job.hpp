#pragma once
// Process jobs (Start-Job): a command run by its own jobctl-worker, which
// outlives the process that started it.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// How a job's command runs. Given to start_process_job, and to ForeachSpec
// for every child (where "{}" in `cwd` and in `env` values is replaced by
// the child's input).
struct RunOptions {
    std::filesystem::path cwd;     // empty: the caller's working directory
    std::vector<std::string> env;  // NAME=VALUE, each set over the environment
    bool clear_env = false;        // start from an empty environment, plus `env`
    // The command's stdin; empty: /dev/null.
    std::filesystem::path stdin_file;
    // Stopped (SIGTERM, then SIGKILL after the grace) and Failed ("timed out
    // after 30s") when it has run this long, not counting time suspended.
    std::optional<std::chrono::milliseconds> timeout;
};

// When a process job may run; until then it is Blocked.
struct StartConditions {
    // Runs once all of these have finished (at most 8, each an existing
    // job). If one did not end Completed, the job ends Failed without
    // running, unless after_any_outcome.
    std::vector<JobId> after;
    bool after_any_outcome = false;
    // Waits its turn in this queue: at most the queue's slots (set_queue_slots,
    // default 1) of its jobs run at once, in the order they were started.
    std::string queue;
};

struct ProcessJobSpec {
    std::string name;               // empty: "Job<id>"
    std::vector<std::string> argv;  // argv[0] is looked up on PATH like execvp
    // False (the default): the worker is double-forked, so a long-lived
    // caller never has a zombie to reap. True for a caller that exits right
    // away (the jobctl command): the worker is posix_spawned as its direct
    // child, which is faster, and init inherits it when the caller exits.
    bool caller_exits_soon = false;
    RunOptions run{};
    StartConditions start_when{};
};

// Registers the job and launches a detached worker for it (its own session).
// Unless spec.run says otherwise, the command inherits the caller's
// environment and working directory, and its stdin is /dev/null.
// Errors, all before anything is registered: invalid_argument (no command,
// a bad name); program_not_found (argv[0] or jobctl-worker cannot be run).
// After: repository_full; system (the launch failed; the job is erased again).
JobInfo start_process_job(Repository& repository, const ProcessJobSpec& spec,
                          const std::filesystem::path& worker = {});

}  // namespace jobctl
