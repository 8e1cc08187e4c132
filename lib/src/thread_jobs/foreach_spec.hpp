#pragma once
// What a foreach run is checked and expanded with, before and while it runs.

#include <string>
#include <vector>

#include "jobctl/foreach_job.hpp"

namespace jobctl::detail {

// The command for one input: "{}" in any argument replaced by it, else it is appended.
std::vector<std::string> expand_command(const std::vector<std::string>& command, const std::string& input);

// Errors: invalid_argument, program_not_found, for a spec that cannot run.
void check_foreach_spec(const ForeachSpec& spec);

}  // namespace jobctl::detail
