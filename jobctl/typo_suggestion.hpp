#pragma once
// Did you mean, for a usage error of CLI11: the option or verb nearest to
// the word it did not expect.

#include <CLI/CLI.hpp>
#include <string>

namespace jobctl::cli {

// "; did you mean '--json'?" for the first word that CLI11 did not expect
// ("The following argument was not expected: --josn") that is a typo of an
// option (a word with a dash) or a verb of `command`; else "".
std::string typo_suggestion(const CLI::App& command, const CLI::ParseError& error);

}  // namespace jobctl::cli
