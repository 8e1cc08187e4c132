#pragma once
// Turns SIGINT, SIGTERM and SIGHUP into a stop of one job (and so of its
// children): what a foreground `foreach` does on Ctrl-C, and what a detached
// foreach host does when the system shuts down. A second signal asks again,
// with no grace: a process job's worker then kills the command at once. Construct it before any
// thread starts: the signals are blocked in this thread and in every thread
// started after, and one watcher thread reads them from a signalfd.

#include <atomic>
#include <csignal>
#include <functional>
#include <memory>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

namespace detail {
struct SignalWatcher;
}

class StopOnSignals {
public:
    // Errors: system (no signalfd or thread).
    StopOnSignals();
    // Ends the watcher and unblocks the signals again (a pending one then
    // takes its default action).
    ~StopOnSignals();
    StopOnSignals(const StopOnSignals&) = delete;
    StopOnSignals& operator=(const StopOnSignals&) = delete;

    // Told of each signal before it is acted on: `count` 1 for the one that
    // stops the job (SIGKILL after kDefaultStopGrace), 2 and on for those
    // that kill it at once. Called on the watcher thread.
    using Notice = std::function<void(int signal, int count)>;

    // From now on, the first of the signals requests a stop of `job`, and
    // each one after it a stop without grace.
    void watch(Repository& repository, JobId job, Notice notice = nullptr);
    // The signal that arrived, or 0.
    int received() const { return received_.load(); }

private:
    sigset_t signals_;
    sigset_t previous_mask_;
    std::atomic<int> received_{0};
    std::unique_ptr<detail::SignalWatcher> watcher_;  // the signalfd and the thread reading it
};

}  // namespace jobctl
