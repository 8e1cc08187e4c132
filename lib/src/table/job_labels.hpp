#pragma once
// A job's labels (--label KEY=VALUE) as its slot keeps them: the entries,
// checked (check_labels in jobctl/job.hpp), one per line in one field.

#include <string>
#include <string_view>
#include <vector>

namespace jobctl::detail {

std::string joined_labels(const std::vector<std::string>& labels);
std::vector<std::string> split_labels(std::string_view field);

}  // namespace jobctl::detail
