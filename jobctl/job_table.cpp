#include "job_table.hpp"

#include <array>
#include <string>

namespace jobctl::cli {
namespace {

constexpr std::size_t kColumns = 7;
using Row = std::array<std::string, kColumns>;

Row row_of(const JobInfo& job) {
    return {std::to_string(job.id),
            job.name,
            std::string(to_string(job.type)),
            std::string(to_string(job.state)),
            job.has_more_data() ? "True" : "False",
            job.location,
            job.command};
}

// Display width of UTF-8 text, counting code points (close enough for names and commands).
std::size_t width_of(const std::string& text) {
    std::size_t width = 0;
    for (unsigned char c : text) width += (c & 0xC0) != 0x80;
    return width;
}

}  // namespace

void print_job_table(std::ostream& out, const std::vector<JobInfo>& jobs) {
    std::vector<Row> rows{{"Id", "Name", "Type", "State", "HasMoreData", "Location", "Command"}};
    for (const JobInfo& job : jobs) rows.push_back(row_of(job));
    std::array<std::size_t, kColumns> widths{};
    for (const Row& row : rows)
        for (std::size_t i = 0; i < kColumns; ++i) widths[i] = std::max(widths[i], width_of(row[i]));
    std::string line;
    for (const Row& row : rows) {
        line.clear();
        for (std::size_t i = 0; i < kColumns; ++i) {
            line += row[i];
            if (i + 1 < kColumns) line.append(widths[i] - width_of(row[i]) + 2, ' ');
        }
        out << line << '\n';
    }
}

}  // namespace jobctl::cli
