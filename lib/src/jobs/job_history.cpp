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

// The lines that jobs still wait for. Those of jobs that ended over 10 s
// ago are written from their slots now: whoever ended them died, or was
// stopped, before it wrote them (one that was only stopped may write its
// line too when it goes on: readers take the second line of one end for
// the first). Those of jobs that ended a moment ago are being written:
// waited for, 2 s at most. One walk of the table.
void complete_pending_lines(detail::JobTable& table) {
    Clock::time_point recent = Clock::now() - std::chrono::seconds(10);
    std::vector<JobId> being_written;
    for (const JobInfo& job : table.history_lines_pending()) {
        if (job.ended > recent)
            being_written.push_back(job.id);
        else
            detail::JobLifecycle(table).record_history(job);
    }
    if (!being_written.empty()) table.wait_for_history_lines(being_written, std::chrono::seconds(2));
}

}  // namespace

HistoryReading read_history(const Repository& repository,
                            const std::function<void(const HistoryEntry&)>& visit) {
    detail::JobTable& table = detail::table_of(repository);
    if (table.history_limit() != 0) complete_pending_lines(table);
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
