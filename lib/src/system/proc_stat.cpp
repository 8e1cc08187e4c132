#include "system/proc_stat.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "system/file_descriptor.hpp"
#include "system/namespaces.hpp"

namespace jobctl::detail {

// The command name (field 2) may hold spaces and parentheses, so fields are
// counted from the last ')'. read(2), not a stream: the process may vanish
// while we read.
std::optional<ProcStat> read_stat(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    FileDescriptor fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return std::nullopt;
    char buffer[1024];
    ssize_t length = ::read(fd.get(), buffer, sizeof buffer - 1);
    if (length <= 0) return std::nullopt;
    buffer[length] = '\0';
    char* cursor = std::strrchr(buffer, ')');
    if (cursor == nullptr || cursor[1] != ' ') return std::nullopt;
    cursor += 2;  // field 3, the state
    ProcStat stat{*cursor, 0, 0, 0, 0};
    for (int field = 3; field < 22; ++field) {
        cursor = std::strchr(cursor, ' ');
        if (cursor == nullptr) return std::nullopt;
        ++cursor;
        if (field + 1 == 4) stat.parent = static_cast<pid_t>(std::strtol(cursor, nullptr, 10));
        if (field + 1 == 5) stat.group = static_cast<pid_t>(std::strtol(cursor, nullptr, 10));
        if (field + 1 == 6) stat.session = static_cast<pid_t>(std::strtol(cursor, nullptr, 10));
    }
    // As the initial time namespace shows it: the same for every reader.
    auto shown = static_cast<std::int64_t>(std::strtoull(cursor, nullptr, 10));
    stat.start_time = static_cast<std::uint64_t>(std::max<std::int64_t>(shown - boottime_offset_ticks(), 1));
    return stat;
}

}  // namespace jobctl::detail
