#pragma once
// What jobctl reads of a process from /proc/<pid>/stat.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace jobctl::detail {

struct ProcStat {
    char state;                // R, S, D, Z, X, ...
    pid_t parent;              // parent's pid (0 for a process whose parent is outside our pid namespace)
    pid_t group;               // process group id
    pid_t session;             // session id
    std::uint64_t start_time;  // clock ticks since boot, as the initial time namespace counts them
};

// Nullopt when the process does not exist (or /proc cannot be read).
std::optional<ProcStat> read_stat(pid_t pid);

}  // namespace jobctl::detail
