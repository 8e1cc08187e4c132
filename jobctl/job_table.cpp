#include "job_table.hpp"

#include <algorithm>
#include <string>
#include <vector>

namespace jobctl::cli {
namespace {

using Row = std::vector<std::string>;

// The Queue column is shown only when some job listed has a queue.
Row row_of(const JobInfo& job, bool with_queue) {
    Row row{std::to_string(job.id),
            job.name,
            std::string(to_string(job.type)),
            std::string(to_string(job.state)),
            job.has_more_data() ? "True" : "False",
            job.location};
    if (with_queue) row.push_back(job.queue);
    row.push_back(job.command);
    return row;
}

Row heading(bool with_queue) {
    Row row{"Id", "Name", "Type", "State", "HasMoreData", "Location"};
    if (with_queue) row.push_back("Queue");
    row.push_back("Command");
    return row;
}

// Display width of UTF-8 text, counting code points (close enough for names and commands).
std::size_t width_of(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text) width += (c & 0xC0) != 0x80;
    return width;
}

}  // namespace

void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs) {
    bool with_queue = std::ranges::any_of(jobs, [](const JobInfo& job) { return !job.queue.empty(); });
    std::vector<Row> rows{heading(with_queue)};
    for (const JobInfo& job : jobs) rows.push_back(row_of(job, with_queue));
    std::size_t columns = rows.front().size();
    std::vector<std::size_t> widths(columns, 0);
    for (const Row& row : rows)
        for (std::size_t i = 0; i < columns; ++i) widths[i] = std::max(widths[i], width_of(row[i]));
    std::string line;
    for (const Row& row : rows) {
        line.clear();
        for (std::size_t i = 0; i < columns; ++i) {
            line += row[i];
            if (i + 1 < columns) line.append(widths[i] - width_of(row[i]) + 2, ' ');
        }
        out << line << '\n';
    }
}

}  // namespace jobctl::cli
