#pragma once
// What a foreach run is expanded with, child by child, while it runs
// (check_foreach_spec, in jobctl/foreach_job.hpp, checks it before).

#include <string>
#include <vector>

#include "jobctl/foreach_job.hpp"

namespace jobctl::detail {

// The command for one input: "{}" in any argument replaced by it, else it
// is appended (unless `placed`: it went elsewhere already).
std::vector<std::string> expand_command(const std::vector<std::string>& command, const std::string& input,
                                        bool placed = false);

// One input's command and run options: "{}" in spec.run's cwd, env values
// and stdin_file replaced by it too (then it is not appended to the
// command), the paths then made absolute.
ChildCommand expand_child(const ForeachSpec& spec, const std::string& input);

// Whether its children run on other hosts (ssh_hosts, inputs_are_hosts).
bool is_remote(const ForeachSpec& spec);

}  // namespace jobctl::detail
