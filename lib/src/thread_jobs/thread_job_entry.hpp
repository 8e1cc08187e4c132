#pragma once
// A thread job as its host keeps it: the body to run and the stop request,
// as a flag for stop_requested() and, when a body asks for one, an eventfd
// to poll (foreach children wait on their command and a stop at once).

#include <atomic>
#include <mutex>

#include "jobctl/thread_job_host.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

struct ThreadJobEntry {
    ThreadJobEntry(JobId job_id, ThreadJobBody job_body) : id(job_id), body(std::move(job_body)) {}

    void request_stop();
    int stop_event_fd();  // created on first use; readable once a stop is requested

    const JobId id;
    ThreadJobBody body;
    std::atomic<bool> stop{false};

private:
    std::mutex mutex_;
    FileDescriptor stop_fd_;  // guarded by mutex_
};

}  // namespace jobctl::detail
