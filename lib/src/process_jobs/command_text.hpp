#pragma once
// How a command is shown in the Command column: shell-quoted where needed,
// so that what you see can be pasted back into a shell.

#include <string>
#include <vector>

namespace jobctl::detail {

std::string command_text(const std::vector<std::string>& argv);

}  // namespace jobctl::detail
