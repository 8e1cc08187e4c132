#pragma once
// Room under the open-file limit (ulimit -n) for the commands foreach runs
// at once: checked, and made, before anything starts, so that -j never
// fails half-way with EMFILE.

namespace jobctl::cli {

// Files held per command running: the read ends of its stdout and stderr
// pipes, its pidfd, its job's stop and suspend eventfds, its output log,
// and the log's reader (measured: 7), plus one for the pipes of a spawn,
// plus its cgroup's folder, cgroup.procs and cgroup.events (cgroup
// containment).
inline constexpr unsigned kFilesPerCommand = 11;
// Stdio, the repository, signal and wake fds, and libraries' own; or the
// files open already (inherited ones too) and half this again, if more.
inline constexpr unsigned kFilesBesides = 64;

// Raises the soft RLIMIT_NOFILE as far as `commands` at once need, when the
// hard limit allows (the commands inherit the raised limit); else throws
// invalid_argument: "-j 400 needs 4464 open files; the limit is 1024
// (ulimit -Hn): use -j 87 or less, or raise the limit".
// `host`: another process of this user (in this pid namespace) that runs
// the commands, a foreach run's host whose -j is raised (queue --job);
// 0: this one. When its limits cannot be read, nothing is checked.
void make_room_for_commands(unsigned commands, int host = 0);

// foreach -j at most: 4096 commands at once.
inline constexpr unsigned kMaxForeachThrottle = 4096;

}  // namespace jobctl::cli
