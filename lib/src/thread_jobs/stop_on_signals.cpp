#include "jobctl/stop_on_signals.hpp"

#include <poll.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "system/event_signal.hpp"
#include "system/signal_sets.hpp"

namespace jobctl {

StopOnSignals::StopOnSignals() : signals_(detail::stop_signal_set()) {
    pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
}

StopOnSignals::~StopOnSignals() {
    if (watcher_.joinable()) {
        detail::signal_event(wake_fd_);
        watcher_.join();
    }
    for (int fd : {signal_fd_, wake_fd_})
        if (fd >= 0) ::close(fd);
    pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void StopOnSignals::watch(Repository& repository, JobId job) {
    signal_fd_ = ::signalfd(-1, &signals_, SFD_CLOEXEC);
    wake_fd_ = ::eventfd(0, EFD_CLOEXEC);
    if (signal_fd_ < 0 || wake_fd_ < 0) throw_system_error("cannot watch for signals", errno);
    watcher_ = std::thread([this, &repository, job] {
        pollfd fds[2] = {{signal_fd_, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
        while (::poll(fds, 2, -1) < 0 && errno == EINTR) {}
        signalfd_siginfo info;
        if (fds[0].revents == 0 || ::read(signal_fd_, &info, sizeof info) != sizeof info) return;
        received_ = static_cast<int>(info.ssi_signo);
        try {
            request_stop(repository, job, kDefaultStopGrace);
        } catch (const std::exception&) {  // the job is gone: nothing to stop
        }
    });
}

}  // namespace jobctl
