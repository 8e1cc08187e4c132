#include "thread_jobs/thread_job_entry.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "system/event_signal.hpp"

namespace jobctl::detail {
namespace {}  // namespace

void ThreadJobEntry::request_stop() {
    stop.store(true);
    std::lock_guard lock(mutex_);
    if (stop_fd_) signal_event(stop_fd_.get());
}

int ThreadJobEntry::stop_event_fd() {
    std::lock_guard lock(mutex_);
    if (!stop_fd_) {
        stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!stop_fd_) throw_system_error("eventfd", errno);
        if (stop.load()) signal_event(stop_fd_.get());  // requested before anyone listened
    }
    return stop_fd_.get();
}

int ThreadJobEntry::suspend_event_fd() {
    std::lock_guard lock(mutex_);
    if (!suspend_fd_) {
        suspend_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!suspend_fd_) throw_system_error("eventfd", errno);
    }
    return suspend_fd_.get();
}

void ThreadJobEntry::notify_suspend_change() {
    std::lock_guard lock(mutex_);
    if (suspend_fd_) signal_event(suspend_fd_.get());
}

}  // namespace jobctl::detail
