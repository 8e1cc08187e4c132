#pragma once
// Turns SIGINT, SIGTERM and SIGHUP into a stop of one job (and so of its
// children): what a foreground `foreach` does on Ctrl-C, and what a detached
// foreach host does when the system shuts down. Construct it before any
// thread starts (the signals are blocked in every thread and taken by one).

#include <atomic>
#include <csignal>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

class StopOnSignals {
public:
    StopOnSignals();
    // From now on, the first of the signals requests a stop of `job`.
    void watch(Repository& repository, JobId job);
    // The signal that arrived, or 0.
    int received() const { return received_.load(); }

private:
    sigset_t signals_;
    std::atomic<int> received_{0};
};

}  // namespace jobctl
