#include "slurm/slurm_kind.hpp"

#include "jobs/job_kinds.hpp"
#include "slurm/follower_launch.hpp"

namespace jobctl::detail {

void register_slurm_job_kind() {
    register_job_kind("slurm", {.replace_lost_owner = replace_lost_follower, .lost_note = nullptr});
}

}  // namespace jobctl::detail
