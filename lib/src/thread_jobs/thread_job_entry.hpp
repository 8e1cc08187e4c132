#pragma once
// A thread job as its host keeps it: the body to run and the stop request,
// as a flag for stop_requested() and, when a body asks for one, an eventfd
// to poll (foreach children wait on their command and a stop at once); and
// an eventfd that says "look at the suspend flag" (foreach children).

#include <atomic>
#include <mutex>

#include "jobctl/thread_job_host.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

struct ThreadJobEntry {
    ThreadJobEntry(JobId job_id, JobId job_parent_id, ThreadJobBody job_body)
        : id(job_id), parent_id(job_parent_id), body(std::move(job_body)) {}

    void request_stop();
    int stop_event_fd();  // created on first use; readable once a stop is requested
    // Created on first use: the body reads the slot's flag after that, so
    // no request made before is missed.
    int suspend_event_fd();
    void notify_suspend_change();  // makes suspend_event_fd readable, if there is one

    const JobId id;
    const JobId parent_id;  // a foreach run's, or 0
    ThreadJobBody body;
    std::atomic<bool> stop{false};
    bool held = false;  // queued and suspended: not to be started (guarded by the pool's mutex)

private:
    std::mutex mutex_;
    FileDescriptor stop_fd_;     // guarded by mutex_
    FileDescriptor suspend_fd_;  // guarded by mutex_
};

}  // namespace jobctl::detail
