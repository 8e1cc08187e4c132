#pragma once
// The job ids jobctl passes to Slurm's clients: "12", or "12_3" for one
// task of an array. Checked first, so that nothing else (an option such as
// "-h", a list "1,2") reaches a client's argv.

#include <string>
#include <string_view>

namespace jobctl::detail {

bool is_slurm_job_id(std::string_view id);

// Throws Error(invalid_argument) unless is_slurm_job_id(id).
void check_slurm_job_id(const std::string& id);

}  // namespace jobctl::detail
