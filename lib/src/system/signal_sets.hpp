#pragma once
// The signal sets that starting and stopping jobs use, in one place.

#include <signal.h>

#include <string_view>

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
// The program every worker runs: only a process running it is sent a
// worker's signals (a damaged slot may name any process).
inline constexpr std::string_view kWorkerProgram = "jobctl-worker";

// What tells a worker to look at its job's suspend flag (request_suspend,
// request_resume): read from a signalfd of its own, apart from the stops.
inline constexpr int kSuspendSignal = SIGUSR1;

inline sigset_t suspend_signal_set() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, kSuspendSignal);
    return set;
}

// Blocked in a worker from before its exec until it reads them: the stop
// signals, the suspend signal and the queue-turn signal. (Unblocked,
// SIGUSR1 or SIGUSR2 would kill a worker still loading.)
inline sigset_t worker_signal_set() {
    sigset_t set = stop_signal_set();
    sigaddset(&set, kSuspendSignal);
    sigaddset(&set, kQueueTurnSignal);
    return set;
}

// Every signal whose action here is not the default (ignored, or with a
// handler): what anything we start sets back to its default before its
// exec. An ignored signal stays ignored across exec: an ignored SIGUSR1 is
// dropped even while blocked (a worker would never hear a suspend, nor an
// ignored SIGUSR2 its queue turn); a caller that ignores SIGCHLD would make
// the kernel reap our children before we can read their status; and a
// command started from a shell that ignored SIGALRM or SIGWINCH would
// inherit that. A handler must never run in a vfork child, which shares
// our memory. (Asked each time: a host may change its handlers.)
inline sigset_t signals_not_at_default() {
    sigset_t set;
    sigemptyset(&set);
    for (int signal = 1; signal < NSIG; ++signal) {
        struct sigaction current {};
        if (signal == SIGKILL || signal == SIGSTOP || ::sigaction(signal, nullptr, &current) != 0) continue;
        if (current.sa_handler != SIG_DFL) sigaddset(&set, signal);
    }
    return set;
}

}  // namespace jobctl::detail
