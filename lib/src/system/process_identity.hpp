#pragma once
// A process named so that a reused pid cannot be mistaken for it: its pid
// plus its start time (field 22 of /proc/<pid>/stat, in clock ticks since boot).

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace jobctl {

struct ProcessIdentity {
    pid_t pid = 0;
    std::uint64_t start_time = 0;

    static ProcessIdentity self();
    // The identity of a live (not zombie) process, or nullopt if there is none.
    static std::optional<ProcessIdentity> of(pid_t pid);
    // True while this very process (not a later one with the same pid) runs.
    // When /proc cannot be read for want of descriptors (EMFILE, ENFILE) it
    // answers whether the pid exists: a process never takes another for dead
    // because it is itself short of descriptors.
    bool alive() const;
    // Sends `signal` to this very process (through a pidfd checked against
    // the start time: never to a later process with the same pid). False if
    // it is gone.
    bool send_signal(int signal) const;
    // Sends `signal` to the process group this process leads, checked the
    // same way just before (a group id cannot be reused while its leader
    // lives). False if the leader is gone.
    bool signal_group(int signal) const;
};

}  // namespace jobctl
