#pragma once
// A vfork into a cgroup: clone3 with CLONE_VM | CLONE_VFORK |
// CLONE_INTO_CGROUP. The child shares our memory and runs on a stack of
// the calling thread's own until it execs or exits; the calling thread is
// suspended until then. Against a fork into the cgroup it spares copying
// the page tables, write-protecting our pages, and the TLB shootdowns that
// costs a process with threads (a foreach host's pool) on every spawn.
// glibc has no wrapper for it (posix_spawn learnt cgroups only later, and
// cannot set a parent-death signal), so the system call is made by a few
// lines of assembly: x86-64 only, and never under a sanitizer, whose
// bookkeeping a child on a foreign stack would confuse.

#include <sys/types.h>

namespace jobctl::detail {

// The child's pid, the child running `child(argument)`, which must exec or
// _exit (only system calls: it shares our memory). -1 with errno when it
// cannot be done here (ENOSYS: not on this build; clone3's own errors).
pid_t vfork_into_cgroup(int cgroup_fd, void (*child)(void*), void* argument);

}  // namespace jobctl::detail
