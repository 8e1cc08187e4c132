#pragma once
// Room under the open-file limit (ulimit -n) for the commands foreach runs
// at once: checked, and made, before anything starts, so that -j never
// fails half-way with EMFILE.

#include "jobctl/foreach_job.hpp"

namespace jobctl::cli {

// Files held per command running, and besides them (jobctl/foreach_job.hpp).
inline constexpr unsigned kFilesPerCommand = kOpenFilesPerCommand;
inline constexpr unsigned kFilesBesides = kOpenFilesBesides;

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
