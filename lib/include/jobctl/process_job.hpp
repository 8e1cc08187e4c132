#pragma once
// Process jobs (Start-Job): a command run by its own jobctl-worker, which
// outlives the process that started it.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

struct ProcessJobSpec {
    std::string name;               // empty: "Job<id>"
    std::vector<std::string> argv;  // argv[0] is looked up on PATH like execvp
    // False (the default): the worker is double-forked, so a long-lived
    // caller never has a zombie to reap. True for a caller that exits right
    // away (the jobctl command): the worker is posix_spawned as its direct
    // child, which is faster, and init inherits it when the caller exits.
    bool caller_exits_soon = false;
};

// Registers the job and launches a detached worker for it (its own session).
// The command inherits the caller's environment and working directory; its
// stdin is /dev/null.
// Errors, all before anything is registered: invalid_argument (no command,
// a bad name); program_not_found (argv[0] or jobctl-worker cannot be run).
// After: repository_full; system (the launch failed; the job is erased again).
JobInfo start_process_job(Repository& repository, const ProcessJobSpec& spec,
                          const std::filesystem::path& worker = {});

}  // namespace jobctl
