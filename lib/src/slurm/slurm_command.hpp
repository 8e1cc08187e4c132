#pragma once
// Running one Slurm client program (sbatch, scontrol, scancel, sacct) to its
// end with run_program (jobctl/program_run.hpp), whose deadline matters
// here: a client that cannot reach slurmctld retries for a long time (9 s
// for sbatch, 18 s for squeue, 60 s without a config file) before it gives up.

#include <string>
#include <vector>

#include "jobctl/program_run.hpp"

namespace jobctl::detail {

// run_program, saying what is missing or unreachable in Slurm's terms:
// Error(program_not_found) names the package slurm-client, and a deadline
// overrun is Error(cluster), asking whether the controller is reachable.
ProgramResult run_slurm_command(const std::vector<std::string>& argv, ProgramRunOptions options = {});

// Slurm's own one-line message for a failed command: the first stderr line
// that says "error:" (else the first non-empty one), without the program's
// prefix ("sbatch: error: ", "slurm_load_jobs error: ", "Batch job submission
// failed: "). "Invalid partition name specified", say.
std::string slurm_message(const ProgramResult& result);

}  // namespace jobctl::detail
