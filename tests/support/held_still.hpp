#pragma once
// Whether a suspended job's processes are held still, by either mechanism:
// stopped by SIGSTOP (session containment) or in a frozen cgroup (cgroup
// containment, where /proc shows them sleeping).

#include <sys/types.h>

#include "system/group_stopped.hpp"
#include "system/job_cgroup.hpp"

namespace jobctl::test {

inline bool held_still(pid_t pid, char state) {
    return state == 'T' || state == 't' || detail::in_frozen_cgroup(pid);
}

// Every process of the command's group (its leader's cgroup, when frozen).
inline bool group_held_still(pid_t group) {
    return detail::in_frozen_cgroup(group) || detail::group_stopped(group);
}

}  // namespace jobctl::test
