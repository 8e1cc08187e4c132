#include "thread_jobs/thread_job_entry.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "system/event_signal.hpp"

#include "jobctl/error.hpp"

namespace jobctl::detail {
namespace {

}  // namespace

ThreadJobEntry::~ThreadJobEntry() {
    if (stop_fd_ >= 0) ::close(stop_fd_);
}

void ThreadJobEntry::request_stop() {
    stop.store(true);
    std::lock_guard lock(mutex_);
    if (stop_fd_ >= 0) signal_event(stop_fd_);
}

int ThreadJobEntry::stop_event_fd() {
    std::lock_guard lock(mutex_);
    if (stop_fd_ < 0) {
        stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (stop_fd_ < 0) throw_system_error("eventfd", errno);
        if (stop.load()) signal_event(stop_fd_);  // requested before anyone listened
    }
    return stop_fd_;
}

}  // namespace jobctl::detail
