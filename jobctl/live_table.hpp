#pragma once
// `get --watch`: the job table redrawn in place on a terminal whenever the
// repository changes, until interrupted.

#include "job_selection.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

// Never returns (Ctrl-C ends the process). Errors: invalid_argument when
// stdout is not a terminal.
[[noreturn]] void show_live_table(Repository& repository, const JobSelector& selector, bool color);

}  // namespace jobctl::cli
