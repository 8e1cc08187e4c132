#pragma once
// The processes below one process: its children, their children and so on,
// found from /proc by their parent links (the kernel keeps no list of a
// process's descendants to ask). With the process a child subreaper
// (PR_SET_CHILD_SUBREAPER), nothing its descendants start can leave this
// tree: an orphan is re-parented to it. What a job's "session"
// containment signals (docs/reliability.md).

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <vector>

namespace jobctl::detail {

struct TreeProcess {
    pid_t pid = 0;
    pid_t parent = 0;
    std::uint64_t start_time = 0;  // as ProcStat counts it: with the pid, names the process
    char state = 0;                // as /proc/<pid>/stat shows it: R, S, D, T, t, Z, ...
    pid_t group = 0;               // its process group
};

// Every process below `root` as /proc shows it now, zombies included,
// `root` itself not. A process that exits while /proc is read is left out;
// one forked after its parent was read may be missed: a caller that must
// reach every process lists again until nothing is left.
// With `group` (not 0), also every member of that process group, wherever
// it was re-parented: what killpg would reach.
std::vector<TreeProcess> descendants_of(pid_t root, pid_t group = 0);

// This process's children as its tasks' children lists show them now
// (/proc/self/task/*/children): the orphans a subreaper inherits among
// them. Cheap beside descendants_of, which reads all of /proc.
std::vector<pid_t> children_of_self();

// Whether this process has a child, other than `except`, that has not
// exited: for a subreaper, whether anything is left below it (an orphan
// lands on it, so a live descendant means a live child). Reads only this
// process's children lists (/proc/self/task/*/children), not all of /proc.
bool has_live_child(pid_t except);

// Sends `signal` to each of `processes` that still runs (through a pidfd
// checked against its start time: never to a later process with the same
// pid). Zombies are skipped. Returns how many it reached.
std::size_t signal_processes(const std::vector<TreeProcess>& processes, int signal);

}  // namespace jobctl::detail
