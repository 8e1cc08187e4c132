#include "slurm/slurm_job_id.hpp"

#include <cctype>

#include "jobctl/error.hpp"

namespace jobctl::detail {
namespace {

bool is_number(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

}  // namespace

bool is_slurm_job_id(std::string_view id) {
    std::size_t underscore = id.find('_');
    if (underscore == std::string_view::npos) return is_number(id);
    return is_number(id.substr(0, underscore)) && is_number(id.substr(underscore + 1));
}

void check_slurm_job_id(const std::string& id) {
    if (!is_slurm_job_id(id))
        throw Error(ErrorCode::invalid_argument,
                    "invalid Slurm job id '" + id + "': give a number, or ARRAY_TASK");
}

}  // namespace jobctl::detail
