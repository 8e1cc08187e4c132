#pragma once
// The default rendering of jobs: an aligned table, like Get-Job's.

#include <ostream>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// Columns: Id Name Type State HasMoreData Location Command, with Queue
// before Command when a job has a queue and Progress when one has progress.
// `color`: the states coloured (terminal_style.hpp).
void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color = false);

}  // namespace jobctl::cli
