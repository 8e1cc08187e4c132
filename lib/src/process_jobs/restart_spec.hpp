#pragma once
// What `jobctl restart` needs to run a process job again as it first ran,
// kept in the job's folder by its worker (decision 72, a narrow exception
// to decision 10), in one file (restart): its arguments, its folder made
// explicit, and the environment it inherited, NUL-separated, readable by
// this user only. A restart gives the environment to the new
// worker as its environment, never on its command line.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "process_jobs/worker_arguments.hpp"

namespace jobctl::detail {

struct RestartSpec {
    WorkerArguments arguments;  // job 0, job_fd 3: as a new worker takes them
    std::vector<std::string> environment;
};

// Errors: system (a file cannot be written).
void keep_restart_spec(const std::filesystem::path& job_folder, WorkerArguments arguments);

// Nothing when the job has none (started by a jobctl before restart, or
// a file is damaged).
std::optional<RestartSpec> read_restart_spec(const std::filesystem::path& job_folder);

// The variables a command of `spec` sees: its environment, with its own
// set over them (or only its own, with --clear-env).
std::vector<std::string> command_environment(const RestartSpec& spec);

// A foreach's: its command template and run options as above, kept in
// its parent's folder by its host, and its inputs (foreach.inputs, NUL
// after each), appended batch by batch as they are registered.
void keep_foreach_spec(const std::filesystem::path& parent_folder, const std::string& repository,
                       const std::vector<std::string>& command, const RunOptions& run);
void append_foreach_inputs(const std::filesystem::path& parent_folder,
                           const std::vector<std::string>& inputs);
std::vector<std::string> read_foreach_inputs(const std::filesystem::path& parent_folder);

}  // namespace jobctl::detail
