#include "jobctl/stop_on_signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "system/event_signal.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"

namespace jobctl {

namespace detail {

// The watcher thread and the descriptors it reads, which outlive it.
struct SignalWatcher {
    FileDescriptor signal_fd;
    FileDescriptor wake_fd;  // eventfd: the destructor wants the watcher to end
    std::thread thread;
};

}  // namespace detail

StopOnSignals::StopOnSignals() : signals_(detail::stop_signal_set()) {
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
}

StopOnSignals::~StopOnSignals() {
    if (watcher_ && watcher_->thread.joinable()) {
        detail::signal_event(watcher_->wake_fd.get());
        watcher_->thread.join();
    }
    watcher_.reset();  // closes the signalfd before the signals are unblocked
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void StopOnSignals::watch(Repository& repository, JobId job, Notice notice) {
    auto watcher = std::make_unique<detail::SignalWatcher>();
    watcher->signal_fd.reset(::signalfd(-1, &signals_, SFD_CLOEXEC));
    watcher->wake_fd.reset(::eventfd(0, EFD_CLOEXEC));
    if (!watcher->signal_fd || !watcher->wake_fd) throw_system_error("cannot watch for signals", errno);
    int signal_fd = watcher->signal_fd.get();
    int wake_fd = watcher->wake_fd.get();
    watcher->thread = std::thread([this, &repository, job, signal_fd, wake_fd, notice = std::move(notice)] {
        for (int count = 1;; ++count) {
            pollfd fds[2] = {{signal_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
            while (::poll(fds, 2, -1) < 0 && errno == EINTR) {
            }
            signalfd_siginfo info;
            if (fds[0].revents == 0 || ::read(signal_fd, &info, sizeof info) != sizeof info) return;
            int signal = static_cast<int>(info.ssi_signo);
            if (count == 1) received_ = signal;
            if (notice) notice(signal, count);
            try {  // again: no grace left (Ctrl-C twice kills)
                request_stop(repository, job, count == 1 ? kDefaultStopGrace : std::chrono::milliseconds(0));
            } catch (const std::exception&) {  // the job is gone: nothing to stop
            }
        }
    });
    watcher_ = std::move(watcher);
}

}  // namespace jobctl
