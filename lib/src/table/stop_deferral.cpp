#include "table/stop_deferral.hpp"

#include <sched.h>
#include <signal.h>

#include <atomic>

namespace jobctl::detail {
namespace {

std::atomic<int> sections_held{0};   // critical sections in progress in this process
std::atomic<bool> stopping{false};   // a deferred stop is being carried out
std::atomic<int> pending_signal{0};  // the stop that came while a section was held
std::atomic<bool> handler_installed{false};

void on_stop_signal(int signal);

void install_for(int signal) {
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    action.sa_flags = SA_RESTART | SA_NODEFER;  // NODEFER: the re-raise below stops at once
    sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
}

// Stops the process with the signal that asked for it, as its default
// action would have, if no section is held (a holder does it when it
// leaves otherwise). Async-signal-safe: atomics, sigaction and raise.
void stop_if_free() {
    int signal = pending_signal.load();
    if (signal == 0) return;
    stopping.store(true);
    if (sections_held.load() != 0) {  // seen after `stopping` was set: the holder will do it
        stopping.store(false);
        return;
    }
    if (!pending_signal.compare_exchange_strong(signal, 0)) {
        stopping.store(false);
        return;
    }
    struct sigaction fallback {};
    fallback.sa_handler = SIG_DFL;
    sigemptyset(&fallback.sa_mask);
    ::sigaction(signal, &fallback, nullptr);
    sigset_t only;
    sigemptyset(&only);
    sigaddset(&only, signal);
    sigset_t saved;
    ::pthread_sigmask(SIG_UNBLOCK, &only, &saved);
    ::raise(signal);  // stops here; returns once continued
    ::pthread_sigmask(SIG_SETMASK, &saved, nullptr);
    install_for(signal);
    stopping.store(false);
}

void on_stop_signal(int signal) {
    pending_signal.store(signal);
    stop_if_free();
}

}  // namespace

void install_stop_deferral() {
    if (handler_installed.exchange(true)) return;
    for (int signal : {SIGTSTP, SIGTTIN, SIGTTOU}) install_for(signal);
}

void enter_locked_section() {
    for (;;) {
        sections_held.fetch_add(1);
        if (!stopping.load() && pending_signal.load() == 0) return;
        // A stop is due: no new section starts until it is carried out. The
        // sections in progress (held, or waiting for the lock) end, and the
        // last one stops the process. Were new ones let in, a busy process
        // of many threads (a foreach pool) might never be without one, and
        // a Ctrl-Z would wait for its whole run.
        leave_locked_section();
        while (stopping.load() || pending_signal.load() != 0) sched_yield();
    }
}

void leave_locked_section() {
    if (sections_held.fetch_sub(1) == 1 && pending_signal.load() != 0) stop_if_free();
}

}  // namespace jobctl::detail
