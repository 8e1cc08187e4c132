#pragma once
// The namespaces that change what a pid or a start time means. A pid is
// numbered in a pid namespace: the same number names another process (or
// none) in another namespace. A start time in /proc/PID/stat is shifted by
// the reader's time namespace (its boottime offset). So an identity is a
// pid, a start time brought back to the initial time namespace, and the pid
// namespace it is numbered in.

#include <sys/types.h>

#include <cstdint>

namespace jobctl::detail {

// The inode of this process's pid namespace (/proc/self/ns/pid); 0 when
// /proc cannot tell. Read once per process (again after a fork).
std::uint64_t own_pid_namespace();

// True when a pid recorded in `pid_namespace` can be looked up and signalled
// here. 0 (not recorded: a damaged or foreign slot) counts as this one, for
// a liveness verdict only; a signal needs it recorded (same_pid_namespace).
bool can_judge_pid_namespace(std::uint64_t pid_namespace);
bool same_pid_namespace(std::uint64_t pid_namespace);

// The pid under which this namespace sees the process that `pid_namespace`
// numbers `pid` (from the NSpid line of /proc/PID/status); 0 when none
// is seen here: a namespace that is not this one's descendant, or a
// process that is gone. A scan of /proc: for a signal, not a listing.
pid_t pid_seen_here(pid_t pid, std::uint64_t pid_namespace);

// As pid_seen_here, and whether the scan saw every process's namespace (a
// process that may not be looked at could be the one).
struct ProcessSeenHere {
    pid_t pid = 0;
    bool whole_view = false;
};
ProcessSeenHere look_up_here(pid_t pid, std::uint64_t pid_namespace);

// True in the initial pid namespace, which sees every process of every
// namespace: from here, a process of another namespace not found is gone
// (with its namespace, perhaps: a container that ended).
bool in_initial_pid_namespace();

// This process's time namespace boottime offset, in clock ticks: what
// /proc/PID/stat adds to every start time it shows this process.
std::int64_t boottime_offset_ticks();

}  // namespace jobctl::detail
