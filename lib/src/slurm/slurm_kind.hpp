#pragma once
// Slurm jobs as a kind of custom job (type "slurm"): what they add to the
// operations on every job (jobs/job_kinds.hpp).

namespace jobctl::detail {

// A Slurm job whose follower is lost runs on in Slurm: it gets a new
// follower (replace_lost_follower) instead of being marked lost.
void register_slurm_job_kind();

}  // namespace jobctl::detail
