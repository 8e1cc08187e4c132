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
// `view` history: Id Name Type State Exit Ended RunTime Command (jobctl
// history; Exit is the exit code, the signal's name, or "-").
// `view` line: Place Id Name Priority State Command (a queue's waiting
// jobs in the order it starts them, `jobctl queue NAME`).
enum class TableView { jobs, resources, history, line };
void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color = false,
                     std::size_t columns = output_columns(), TableView view = TableView::jobs);

// The same table, printed as the jobs come (a listing of a million jobs
// starts at once and keeps none of them): the first kWidthSample jobs, or
// all of them if fewer, set the columns and their widths, as PowerShell's
// Format-Table does. The State column is as wide as the longest state, and
// the Id column as the highest id said by expect_ids_up_to. A later Name,
// Location, Queue or Progress wider than its column is cut, ending in "…"
// (Command, the last column, only by the line's width); an Id, Type or
// State never is (a wider one pushes the rest of its line right). Up to
// kWidthSample jobs, it prints exactly what print_job_table prints.
// A listing that cannot be written (a full disk, a pipe closed while SIGPIPE
// is ignored) fails, and stops reading, instead of exiting 0: throws the
// system error when std::cout failed.
void check_listing_written();

class JobTablePrinter {
public:
    static constexpr std::size_t kWidthSample = 1000;

    JobTablePrinter(std::ostream& out, bool color, std::size_t columns, TableView view);
    // Before the first add: no id will be above `highest`.
    void expect_ids_up_to(JobId highest) { highest_id_ = highest; }
    void add(const JobInfo& job);
    std::size_t added() const { return added_; }
    // Prints what is still held (the whole table, when fewer jobs came than
    // the sample; the heading alone when none came).
    void finish();

private:
    void settle_columns(bool more_to_come);
    void print(const JobInfo& job);

    std::ostream& out_;
    bool color_;
    std::size_t columns_;
    TableView view_;
    std::vector<JobInfo> sample_;
    std::vector<std::size_t> widths_;  // empty until the columns are settled
    bool queue_ = false, progress_ = false;
    std::size_t added_ = 0;
    JobId highest_id_ = 0;
};

}  // namespace jobctl::cli
