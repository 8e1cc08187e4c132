#include "jobs_table_printer.hpp"

#include <string.h>  // sigabbrev_np

#include <algorithm>
#include <cerrno>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "display_width.hpp"
#include "jobctl/error.hpp"
#include "printable_text.hpp"
#include "resource_text.hpp"
#include "terminal_style.hpp"
#include "time_text.hpp"

namespace jobctl::cli {
namespace {

using Row = std::vector<std::string>;

// Columns shown only when some job listed has something in them.
struct OptionalColumns {
    bool queue = false;
    bool progress = false;
};

// "45% hashing a.txt"
std::string progress_text(const JobInfo& job) {
    if (!job.progress) return "";
    std::string text = std::to_string(static_cast<int>(job.progress->fraction * 100 + 1e-9)) + "%";
    if (!job.progress->text.empty()) text += " " + job.progress->text;
    return text;
}

// "Running", or "Running (attempt 2/4)" for a job with retries.
std::string state_text(const JobInfo& job) {
    std::string text(to_string(job.state));
    // Finished at its first attempt: as any job.
    if (job.attempts_allowed > 1 && (!job.finished() || job.attempt > 1))
        text += " (attempt " + std::to_string(job.attempt) + "/" + std::to_string(job.attempts_allowed) + ")";
    return text;
}

Row row_of(const JobInfo& job, OptionalColumns optional) {
    // Text from outside (a name, a folder in the command, a host) is escaped, as ls and ps do.
    Row row{std::to_string(job.id),
            printable(job.name),
            printable(job.type_name),
            state_text(job),
            job.has_more_data() ? "True" : "False",
            printable(job.location)};
    if (optional.queue) row.push_back(printable(job.queue));
    if (optional.progress) row.push_back(printable(progress_text(job)));
    row.push_back(printable(job.command));
    return row;
}

Row heading(OptionalColumns optional) {
    Row row{"Id", "Name", "Type", "State", "HasMoreData", "Location"};
    if (optional.queue) row.push_back("Queue");
    if (optional.progress) row.push_back("Progress");
    row.push_back("Command");
    return row;
}

// Resources: the run time so far, and what the kernel counted once it ended.
Row resource_row_of(const JobInfo& job, Clock::time_point now) {
    Row row{std::to_string(job.id), printable(job.name), std::string(to_string(job.state)),
            run_time_text(job, now)};
    if (job.resources) {
        row.push_back(cpu_time_text(job.resources->user_cpu));
        row.push_back(cpu_time_text(job.resources->system_cpu));
        // Unknown while it runs where the kernel keeps no peak for the cgroup.
        bool peak_known = job.resources->peak_rss_bytes != 0 || job.finished();
        row.push_back(peak_known ? memory_text(job.resources->peak_rss_bytes) : "-");
    } else {
        row.insert(row.end(), 3, "-");
    }
    row.push_back(printable(job.command));
    return row;
}

// "0", "2", "SIGKILL", or "-" when it has neither (stopped before it started, lost).
std::string exit_text(const JobInfo& job) {
    if (job.exit_code) return std::to_string(*job.exit_code);
    if (job.term_signal) {
        const char* abbreviation = ::sigabbrev_np(*job.term_signal);
        return abbreviation ? std::string("SIG") + abbreviation
                            : "signal " + std::to_string(*job.term_signal);
    }
    return "-";
}

// History: how each ended job ended, and when.
Row history_row_of(const JobInfo& job) {
    return {std::to_string(job.id),
            printable(job.name),
            printable(job.type_name),
            std::string(to_string(job.state)),
            exit_text(job),
            job.ended ? local_time(*job.ended).substr(0, 19) : "",
            run_time_text(job, job.ended.value_or(Clock::now())),
            printable(job.command)};
}

// A queue's line: its waiting jobs in the order it starts them (jobs in
// the order given, their place counted from 1).
Row line_row_of(const JobInfo& job, std::size_t place) {
    return {std::to_string(place),
            std::to_string(job.id),
            printable(job.name),
            std::to_string(job.priority),
            std::string(to_string(job.state)),
            printable(job.command)};
}

Row heading_of(TableView view, OptionalColumns optional) {
    if (view == TableView::resources)
        return {"Id", "Name", "State", "RunTime", "UserCPU", "SystemCPU", "PeakMemory", "Command"};
    if (view == TableView::history)
        return {"Id", "Name", "Type", "State", "Exit", "Ended", "RunTime", "Command"};
    if (view == TableView::line) return {"Place", "Id", "Name", "Priority", "State", "Command"};
    return heading(optional);
}

// `number`: the job's place in the table, from 1.
Row job_row(const JobInfo& job, std::size_t number, TableView view, OptionalColumns optional) {
    if (view == TableView::line) return line_row_of(job, number);
    if (view == TableView::resources) return resource_row_of(job, Clock::now());
    if (view == TableView::history) return history_row_of(job);
    return row_of(job, optional);
}

std::size_t width_of(const std::string& text) {
    return display_width(text);
}

// Free text may be cut when a streamed table's column is narrower; an id, a
// type, a state or a figure never is.
bool may_be_cut(const std::string& heading) {
    return heading == "Name" || heading == "Location" || heading == "Queue" || heading == "Progress";
}

// One line: each cell padded to its column (a wider one cut if it may be,
// but never the last), the line cut to `columns`, the state coloured if it
// is whole.
void print_row(std::ostream& out, const Row& row, const Row& head, const std::vector<std::size_t>& widths,
               std::size_t columns, std::size_t state_column, std::optional<JobState> colored_state) {
    std::string line;
    std::size_t state_at = 0;
    for (std::size_t i = 0; i < row.size(); ++i) {
        if (i == state_column) state_at = line.size();
        bool last = i + 1 == row.size();
        bool cut = !last && width_of(row[i]) > widths[i] && may_be_cut(head[i]);
        std::string cell = cut ? cut_to_width(row[i], widths[i]) : row[i];
        line += cell;
        if (!last) line.append(widths[i] - std::min(widths[i], width_of(cell)) + 2, ' ');
    }
    // Cut to the terminal's width (the last column, Command, first), marked with "…".
    bool cut = columns != 0 && width_of(line) > columns;
    if (cut) line = cut_to_width(line, columns);
    // Coloured after the cut and only if whole: the colour codes take no room.
    const std::string& state = row[state_column];
    std::size_t kept = cut ? line.size() - std::string_view("…").size() : line.size();
    if (colored_state && state_at + state.size() <= kept && line.compare(state_at, state.size(), state) == 0)
        line.replace(state_at, state.size(), colored(*colored_state, state, true));
    out << line << '\n';
}

}  // namespace

void check_listing_written() {
    if (std::cout.fail()) throw_system_error("write the listing to stdout", errno != 0 ? errno : EIO);
}

JobTablePrinter::JobTablePrinter(std::ostream& out, bool color, std::size_t columns, TableView view)
    : out_(out), color_(color), columns_(columns), view_(view) {}

void JobTablePrinter::add(const JobInfo& job) {
    ++added_;
    if (widths_.empty() && sample_.size() == kWidthSample) settle_columns(true);
    if (!widths_.empty()) {
        print(job);
        return;
    }
    sample_.push_back(job);
}

void JobTablePrinter::finish() {
    if (widths_.empty()) settle_columns(false);
    out_.flush();
}

// The columns and their widths, from the jobs held; then those are printed.
void JobTablePrinter::settle_columns(bool more_to_come) {
    queue_ = std::ranges::any_of(sample_, [](const JobInfo& job) { return !job.queue.empty(); });
    progress_ = std::ranges::any_of(sample_, [](const JobInfo& job) { return job.progress.has_value(); });
    Row head = heading_of(view_, {queue_, progress_});
    widths_.assign(head.size(), 0);
    std::vector<Row> rows{head};
    for (std::size_t i = 0; i < sample_.size(); ++i)
        rows.push_back(job_row(sample_[i], i + 1, view_, {queue_, progress_}));
    for (const Row& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) widths_[i] = std::max(widths_[i], width_of(row[i]));
    std::size_t state_column = static_cast<std::size_t>(std::ranges::find(head, "State") - head.begin());
    if (more_to_come) {  // room for any state, and for the highest id
        for (int state = 1; state <= 9; ++state)
            widths_[state_column] =
                std::max(widths_[state_column], to_string(static_cast<JobState>(state)).size());
        widths_[0] = std::max(widths_[0], std::to_string(highest_id_).size());
    }
    print_row(out_, head, head, widths_, columns_, state_column, std::nullopt);
    for (std::size_t r = 1; r < rows.size(); ++r)
        print_row(out_, rows[r], head, widths_, columns_, state_column,
                  color_ ? std::optional(sample_[r - 1].state) : std::nullopt);
    sample_.clear();
    sample_.shrink_to_fit();
}

void JobTablePrinter::print(const JobInfo& job) {
    Row head = heading_of(view_, {queue_, progress_});
    std::size_t state_column = static_cast<std::size_t>(std::ranges::find(head, "State") - head.begin());
    print_row(out_, job_row(job, added_, view_, {queue_, progress_}), head, widths_, columns_, state_column,
              color_ ? std::optional(job.state) : std::nullopt);
}

void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color, std::size_t columns,
                     TableView view) {
    JobTablePrinter printer(out, color, columns, view);
    for (const JobInfo& job : jobs) printer.add(job);
    printer.finish();
}

}  // namespace jobctl::cli
