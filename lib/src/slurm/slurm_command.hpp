#pragma once
// Running one Slurm client program (sbatch, scontrol, scancel, sacct) to its
// end: found on PATH, text fed to its stdin, stdout and stderr captured, and
// a deadline, because a client that cannot reach slurmctld retries for a
// long time (9 s for sbatch, 18 s for squeue, 60 s without a config file)
// before it gives up. Safe from any thread: the program is started with
// spawn_command (vfork) and reaped by its pid alone.

#include <chrono>
#include <string>
#include <vector>

namespace jobctl::detail {

inline constexpr std::chrono::milliseconds kDefaultSlurmDeadline{60'000};

struct SlurmCommandOptions {
    std::string input;  // fed to the program's stdin; empty: /dev/null
    std::chrono::milliseconds deadline = kDefaultSlurmDeadline;
};

struct SlurmCommandResult {
    std::string program;  // argv[0], as given: "sbatch"
    int exit_status = 0;  // the exit code, or 128 + the signal that killed it
    std::string out;
    std::string err;
    bool succeeded() const { return exit_status == 0; }
};

// Runs `argv` (argv[0] looked up on PATH) to its end. Throws
// Error(program_not_found) when argv[0] cannot be found or started, and
// Error(cluster) when it overruns the deadline (it is killed and reaped
// first). A non-zero exit is not an error here: the result says it.
SlurmCommandResult run_slurm_command(const std::vector<std::string>& argv,
                                     const SlurmCommandOptions& options = {});

// Slurm's own one-line message for a failed command: the first stderr line
// that says "error:" (else the first non-empty one), without the program's
// prefix ("sbatch: error: ", "slurm_load_jobs error: ", "Batch job submission
// failed: "). "Invalid partition name specified", say.
std::string slurm_message(const SlurmCommandResult& result);

}  // namespace jobctl::detail
