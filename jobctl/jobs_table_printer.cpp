#include "jobs_table_printer.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "display_width.hpp"
#include "printable_text.hpp"
#include "resource_text.hpp"
#include "terminal_style.hpp"

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

Row row_of(const JobInfo& job, OptionalColumns optional) {
    // Text from outside (a name, a folder in the command, a host) is escaped, as ls and ps do.
    Row row{std::to_string(job.id),
            printable(job.name),
            printable(job.type_name),
            std::string(to_string(job.state)),
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

std::vector<Row> rows_of(const std::vector<JobInfo>& jobs, TableView view) {
    std::vector<Row> rows;
    if (view == TableView::resources) {
        rows.push_back({"Id", "Name", "State", "RunTime", "UserCPU", "SystemCPU", "PeakMemory", "Command"});
        Clock::time_point now = Clock::now();
        for (const JobInfo& job : jobs) rows.push_back(resource_row_of(job, now));
        return rows;
    }
    OptionalColumns optional{
        std::ranges::any_of(jobs, [](const JobInfo& job) { return !job.queue.empty(); }),
        std::ranges::any_of(jobs, [](const JobInfo& job) { return job.progress.has_value(); })};
    rows.push_back(heading(optional));
    for (const JobInfo& job : jobs) rows.push_back(row_of(job, optional));
    return rows;
}

std::size_t width_of(const std::string& text) {
    return display_width(text);
}

}  // namespace

void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color, std::size_t columns,
                     TableView view) {
    std::vector<Row> rows = rows_of(jobs, view);
    const std::size_t state_column =
        static_cast<std::size_t>(std::ranges::find(rows.front(), "State") - rows.front().begin());
    std::size_t row_cells = rows.front().size();
    std::vector<std::size_t> widths(row_cells, 0);
    for (const Row& row : rows)
        for (std::size_t i = 0; i < row_cells; ++i) widths[i] = std::max(widths[i], width_of(row[i]));
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const Row& row = rows[r];
        std::string line;
        std::size_t state_at = 0;
        for (std::size_t i = 0; i < row_cells; ++i) {
            if (i == state_column) state_at = line.size();
            line += row[i];
            if (i + 1 < row_cells) line.append(widths[i] - width_of(row[i]) + 2, ' ');
        }
        // Cut to the terminal's width (the last column, Command, first), marked with "…".
        bool cut = columns != 0 && width_of(line) > columns;
        if (cut) line = cut_to_width(line, columns);
        // Coloured after the cut and only if whole: the colour codes take no room.
        const std::string& state = row[state_column];
        std::size_t kept = cut ? line.size() - std::string_view("…").size() : line.size();
        if (r > 0 && color && state_at + state.size() <= kept)
            line.replace(state_at, state.size(), colored(jobs[r - 1].state, state, color));
        out << line << '\n';
    }
}

}  // namespace jobctl::cli
