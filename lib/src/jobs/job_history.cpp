#include "jobctl/job_history.hpp"

#include "jobctl/error.hpp"
#include "table/history_file.hpp"
#include "table/history_line.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/repository_location.hpp"

namespace jobctl {

std::filesystem::path history_file(const Repository& repository) {
    return detail::table_of(repository).history().path();
}

namespace {

// The lines that jobs which ended over 10 s ago still wait for: whoever
// ended them died, or was stopped, before it wrote them. Written from
// their slots now. An ender that was only stopped may write its line too
// when it goes on: readers take the second line of one end for the first.
void write_lines_left(detail::JobTable& table) {
    using namespace std::chrono_literals;
    for (const JobInfo& job : table.history_lines_left(Clock::now() - 10s))
        detail::JobLifecycle(table).record_history(job);
}

}  // namespace

HistoryReading read_history(const Repository& repository,
                            const std::function<void(const HistoryEntry&)>& visit) {
    detail::JobTable& table = detail::table_of(repository);
    if (table.history_limit() != 0) {
        write_lines_left(table);
        // A job that ended a moment ago may not have its line yet: whoever
        // ended it appends it just after.
        table.wait_for_history_lines({}, std::chrono::seconds(2));
    }
    return detail::read_history_files(table.history(), visit);
}

HistoryReading read_history(const std::string& name, const std::function<void(const HistoryEntry&)>& visit) {
    return detail::read_history_files(detail::HistoryFile(detail::locate_repository(name, false).history),
                                      visit);
}

std::string history_line(const HistoryEntry& entry) {
    return detail::format_history_line(entry);
}

std::uint64_t history_limit(const Repository& repository) {
    return detail::table_of(repository).history_limit();
}

void set_history_limit(const Repository& repository, std::uint64_t bytes) {
    if (bytes != 0 && bytes < kMinHistoryLimit)
        throw Error(ErrorCode::invalid_argument, "a history limit must be 0 (no history) or at least " +
                                                     std::to_string(kMinHistoryLimit / 1024) + " KiB, not " +
                                                     std::to_string(bytes) + " bytes");
    detail::table_of(repository).set_history_limit(bytes);
}

}  // namespace jobctl
