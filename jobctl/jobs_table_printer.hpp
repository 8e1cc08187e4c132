#pragma once
// The default rendering of jobs: an aligned table, like Get-Job's.

#include <ostream>
#include <vector>

#include "display_width.hpp"
#include "jobctl/job.hpp"

namespace jobctl::cli {

// Columns: Id Name Type State HasMoreData Location Command, with Queue
// before Command when a job has a queue and Progress when one has progress.
// `color`: the states coloured (terminal_style.hpp). Cells are aligned by
// their display width (wcwidth: wide characters and emoji take two
// columns); a line longer than `columns` (default: the terminal's, see
// output_columns; 0: no limit) is cut, its last column first, and ends in "…".
// `view` resources: Id Name State RunTime UserCPU SystemCPU PeakMemory
// Command instead (get --resources; "-" where nothing was measured).
enum class TableView { jobs, resources };
void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color = false,
                     std::size_t columns = output_columns(), TableView view = TableView::jobs);

}  // namespace jobctl::cli
