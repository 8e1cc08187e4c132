#pragma once
// Whether processes have stopped (SIGSTOP): what a suspend waits for before
// it calls a job Suspended.

#include <sys/types.h>

namespace jobctl::detail {

// True when no process of group `group` is left that is not stopped (state
// T or t in /proc/<pid>/stat), a zombie, or a vfork() parent waiting for a
// stopped child (see group_stopped.cpp). Reads every /proc/<pid>/stat:
// the kernel has no list of a group's members to ask. The caller must hold
// the group's leader unreaped, so that the id cannot name another group.
bool group_stopped(pid_t group);

// Whether process `pid`, in state `state` (its /proc/<pid>/stat field), is
// as good as stopped: stopped, a zombie, or a vfork() parent waiting for a
// stopped child.
bool counts_as_stopped(pid_t pid, char state);

}  // namespace jobctl::detail
