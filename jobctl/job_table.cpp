#include "job_table.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "printable_text.hpp"
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

constexpr std::size_t kStateColumn = 3;

// Display width of UTF-8 text, counting code points (close enough for names and commands).
std::size_t width_of(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text) width += (c & 0xC0) != 0x80;
    return width;
}

}  // namespace

void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs, bool color) {
    OptionalColumns optional{
        std::ranges::any_of(jobs, [](const JobInfo& job) { return !job.queue.empty(); }),
        std::ranges::any_of(jobs, [](const JobInfo& job) { return job.progress.has_value(); })};
    std::vector<Row> rows{heading(optional)};
    for (const JobInfo& job : jobs) rows.push_back(row_of(job, optional));
    std::size_t columns = rows.front().size();
    std::vector<std::size_t> widths(columns, 0);
    for (const Row& row : rows)
        for (std::size_t i = 0; i < columns; ++i) widths[i] = std::max(widths[i], width_of(row[i]));
    std::string line;
    for (std::size_t r = 0; r < rows.size(); ++r) {
        const Row& row = rows[r];
        line.clear();
        for (std::size_t i = 0; i < columns; ++i) {
            // Padded by the plain text's width: the colour codes take no room.
            line += i == kStateColumn && r > 0 ? colored(jobs[r - 1].state, row[i], color) : row[i];
            if (i + 1 < columns) line.append(widths[i] - width_of(row[i]) + 2, ' ');
        }
        out << line << '\n';
    }
}

}  // namespace jobctl::cli
