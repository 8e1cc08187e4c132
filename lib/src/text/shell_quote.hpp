#pragma once
// A word for a POSIX shell to read back exactly: what the Slurm batch
// script and the command line of a job on another host are written with.

#include <string>

namespace jobctl::detail {

// `word` in single quotes, as sh reads it back exactly: 'it'\''s'.
std::string shell_quoted(const std::string& word);

}  // namespace jobctl::detail
