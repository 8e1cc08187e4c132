#pragma once
// The batch script jobctl submits with sbatch (fed on sbatch's stdin, so no
// file to write and clean up). It runs the command with its argv exactly
// as given, then writes the command's exit status to a status file, so
// that the job's end can be seen with a stat() instead of a slurmctld RPC
// (docs/slurm-notes.md, recommendation 3).

#include <string>
#include <vector>

namespace jobctl::detail {

struct BatchCommand {
    std::vector<std::string> argv;         // run as execvp would run it: no builtin, no function
    std::vector<std::string> environment;  // "NAME=VALUE" settings to export first
    // Gets "$? NODE\n" (128 + N for signal N; NODE from SLURMD_NODENAME) when the command returns.
    std::string status_file;
};

// "#!/bin/sh", "# jobctl job", the exports, the command, then the status
// written atomically (FILE.tmp, then mv). The shell outlives the command
// and the signals scancel sends (it traps them), but not the SIGKILL that
// follows KillWait after a cancel or the time limit: then there may be no
// status file, and Slurm's record says what happened.
// Throws Error(invalid_argument) for an empty argv, an empty status file,
// or a setting whose NAME is not a shell variable name.
std::string batch_script(const BatchCommand& command);

// The placeholder for the task id in array_batch_script's status file
// pattern: the same %a that Slurm's --output and --error patterns use.
inline constexpr char kArrayTaskPlaceholder[] = "%a";

// For a Slurm job array (sbatch --array=0-K%N): task i runs
// argv_per_task[i], chosen by $SLURM_ARRAY_TASK_ID; an id without a
// command fails the task with exit status 2. `status_file_pattern` must
// hold "%a" (each "%a" becomes the task id): "/spool/7/status.%a".
std::string array_batch_script(const std::vector<std::vector<std::string>>& argv_per_task,
                               const std::vector<std::string>& environment,
                               const std::string& status_file_pattern);

}  // namespace jobctl::detail
