#pragma once
// A process named so that a reused pid cannot be mistaken for it: its pid
// plus its start time (field 22 of /proc/<pid>/stat, in clock ticks since
// boot, as the initial time namespace counts them), plus the pid namespace
// its pid is numbered in (system/namespaces.hpp).

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace jobctl {

struct ProcessIdentity {
    pid_t pid = 0;
    std::uint64_t start_time = 0;
    std::uint64_t pid_namespace = 0;  // 0: not recorded (judged as this namespace, never signalled)

    static ProcessIdentity self();
    // The identity of a live (not zombie) process, or nullopt if there is none.
    static std::optional<ProcessIdentity> of(pid_t pid);
    // True while this very process (not a later one with the same pid) runs.
    // A process of another pid namespace is looked up from the initial
    // namespace (which sees all: gone when not found); from any other it
    // is taken to run (only a process that sees it may declare it dead).
    // When /proc cannot be read for want of descriptors (EMFILE, ENFILE) it
    // answers whether the pid exists: a process never takes another for dead
    // because it is itself short of descriptors.
    bool alive() const;
    // Sends `signal` to this very process (through a pidfd checked against
    // the start time: never to a later process with the same pid). False if
    // it is gone, or if its identity is not proven here: a zero start time,
    // or a pid namespace that this one cannot see into (a process of a
    // descendant namespace, a container's, is found under its pid here).
    // With `program`, also only if the process runs that program (its
    // /proc/PID/comm): a worker is signalled only if it is a jobctl-worker.
    bool send_signal(int signal, std::string_view program = {}) const;
    // True while this very process runs and runs `program` (its
    // /proc/PID/comm), as send_signal checks it; a process of a pid
    // namespace that this one cannot see into is taken to (alive() says).
    bool runs(std::string_view program) const;
};

// The identity of a child as it is forked, mostly without reading /proc
// (which, while the child execs, costs a start a tenth of a millisecond):
// the kernel stamps a process's start time inside fork, so a fork that
// begins and ends within one clock tick started in that tick. Make one
// just before the fork, then ask child().
class ForkStamp {
public:
    ForkStamp();
    // The child's identity, read from /proc when the fork spanned a tick
    // (about one fork in a hundred); nullopt if it is gone then.
    std::optional<ProcessIdentity> child(pid_t pid) const;

private:
    std::uint64_t before_;  // the tick the fork began in, as /proc/PID/stat shows it here
};

namespace testing {
// Test-only: called with every signal send_signal is about to send, after
// the identity is proven (the fuzz targets fail on any: no process their
// tables name was started by jobctl). Production code never sets it.
using SignalHook = void (*)(pid_t pid, int signal);
void set_signal_hook(SignalHook hook);
}  // namespace testing

}  // namespace jobctl
