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

}  // namespace jobctl::detail
