#pragma once
// What `jobctl restart` needs to run a process job again as it first ran:
// its worker's arguments, with the command's whole environment written
// out (--clear-env and every variable, as the command saw them), kept in
// the job's folder (restart.args: the arguments, NUL-separated) by its
// launcher. Decision 72: a narrow exception to decision 10.

#include <filesystem>
#include <optional>

#include "process_jobs/worker_arguments.hpp"

namespace jobctl::detail {

// Errors: system (the file cannot be written).
void keep_restart_spec(const std::filesystem::path& job_folder, WorkerArguments arguments);

// Nothing when the job has none (started by a jobctl before restart, or
// the file is damaged).
std::optional<WorkerArguments> read_restart_spec(const std::filesystem::path& job_folder);

// A foreach's: its command template and run options as above, kept in
// its parent's folder by its host, and its inputs (foreach.inputs, NUL
// after each), appended batch by batch as they are registered.
void keep_foreach_spec(const std::filesystem::path& parent_folder, const std::string& repository,
                       const std::vector<std::string>& command, const RunOptions& run);
void append_foreach_inputs(const std::filesystem::path& parent_folder,
                           const std::vector<std::string>& inputs);
std::vector<std::string> read_foreach_inputs(const std::filesystem::path& parent_folder);

}  // namespace jobctl::detail
