#include "jobctl/process_identity.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace jobctl {
namespace {

struct StatFields {
    char state;
    std::uint64_t start_time;
};

// Parses /proc/<pid>/stat. The command name (field 2) may hold spaces and
// parentheses, so fields are counted from the last ')'.
std::optional<StatFields> read_stat(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(pid));
    int fd = ::open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buffer[1024];
    ssize_t length = ::read(fd, buffer, sizeof buffer - 1);
    ::close(fd);
    if (length <= 0) return std::nullopt;
    buffer[length] = '\0';
    char* cursor = std::strrchr(buffer, ')');
    if (cursor == nullptr || cursor[1] != ' ') return std::nullopt;
    cursor += 2;  // field 3, the state
    StatFields fields{*cursor, 0};
    for (int field = 3; field < 22; ++field) {
        cursor = std::strchr(cursor, ' ');
        if (cursor == nullptr) return std::nullopt;
        ++cursor;
    }
    fields.start_time = std::strtoull(cursor, nullptr, 10);
    return fields;
}

}  // namespace

ProcessIdentity ProcessIdentity::self() {
    pid_t pid = ::getpid();
    auto fields = read_stat(pid);
    return {pid, fields ? fields->start_time : 0};
}

std::optional<ProcessIdentity> ProcessIdentity::of(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    auto fields = read_stat(pid);
    if (!fields || fields->state == 'Z' || fields->state == 'X') return std::nullopt;
    return ProcessIdentity{pid, fields->start_time};
}

bool ProcessIdentity::alive() const {
    auto current = of(pid);
    return current && current->start_time == start_time;
}

}  // namespace jobctl
