#pragma once
// Did you mean: the known word nearest to a mistyped one.

#include <string>
#include <string_view>
#include <vector>

namespace jobctl::cli {

// The candidate fewest edits (insert, delete, replace) away from `word`, if
// at most two and fewer than half of its letters; else "". Ties go to the
// first candidate.
std::string nearest_word(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace jobctl::cli
