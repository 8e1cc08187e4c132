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
