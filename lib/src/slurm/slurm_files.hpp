#pragma once
// Where a Slurm job's files live: what the batch script writes on the
// cluster (stdout, stderr, its exit status) in a folder both sides see, and
// the follower copies into the job's log.
//   <folder>/slurm.out, slurm.err, slurm.status         a single job
//   <folder>/slurm-<task>.out, ...err, ...status        task <task> of an array
// The folder is the job's own spool folder (in the jobctl home, shared on
// most clusters), or $JOBCTL_SLURM_SPOOL/<repository>/<id> when that is set
// at submission; the job's spool folder then holds a file naming it.

#include <filesystem>
#include <optional>
#include <string>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Chooses and creates (0700) the folder for a new job or array `id`, and
// records it if it is not the job's spool folder.
// Errors: system (cannot create it).
std::filesystem::path make_slurm_folder(Repository& repository, JobId id);
// The folder chosen for job or array `id` (the parent's for a task).
std::filesystem::path slurm_folder(Repository& repository, JobId id);

// The file of a single job (no task) or of an array's task, for a stream
// (out or err) or for the exit status (nullopt).
std::filesystem::path slurm_file(const std::filesystem::path& folder, std::optional<unsigned> task,
                                 std::optional<OutputStream> stream);
// The same for every task, as sbatch's --output and --error take it ("%a": the task).
std::string slurm_file_pattern(const std::filesystem::path& folder, std::optional<OutputStream> stream);

}  // namespace jobctl::detail
