#pragma once
// The signal sets that starting and stopping jobs use, in one place.

#include <signal.h>

namespace jobctl::detail {

// What asks a worker or a host to stop: blocked, then read from a signalfd or sigwait.
inline sigset_t stop_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&set, signal);
    return set;
}

// Tells a worker Blocked in a queue that its turn may have come (see
// process_jobs/start_gate.hpp). Read from a signalfd of its own, never as a stop.
inline constexpr int kQueueTurnSignal = SIGUSR2;

// Blocked in a worker from before its exec, so that none is lost while it
// loads: the stop signals and the queue-turn signal.
inline sigset_t worker_blocked_signal_set() {
    sigset_t set = stop_signal_set();
    sigaddset(&set, kQueueTurnSignal);
    return set;
}

// Reset to their default action in anything we start: an ignored signal
// stays ignored across exec, and a caller that ignores SIGCHLD would make
// the kernel reap our children before we can read their status.
inline sigset_t defaulted_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD}) sigaddset(&set, signal);
    return set;
}

}  // namespace jobctl::detail
