#include "jobctl/job_history.hpp"

#include "jobctl/error.hpp"
#include "table/history_file.hpp"
#include "table/history_line.hpp"
#include "table/job_table.hpp"

namespace jobctl {

std::filesystem::path history_file(const Repository& repository) {
    return detail::table_of(repository).history().path();
}

HistoryReading read_history(const Repository& repository,
                            const std::function<void(const HistoryEntry&)>& visit) {
    return detail::read_history_files(detail::table_of(repository).history(), visit);
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
