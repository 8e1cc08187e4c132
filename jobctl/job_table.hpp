#pragma once
// The default rendering of jobs: an aligned table, like Get-Job's.

#include <ostream>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// Columns: Id Name Type State HasMoreData Location Command.
void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs);

}  // namespace jobctl::cli
