#include "system/owner_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include "system/event_signal.hpp"
#include <set>

#include "jobctl/error.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

int open_pidfd(int pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

}  // namespace

OwnerWatch::OwnerWatch(const Repository& repository) : repository_(repository) {}

OwnerWatch::~OwnerWatch() {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        signal_event(wake_fd_);
        thread_.join();
    }
    close_all();
    if (wake_fd_ >= 0) ::close(wake_fd_);
}

void OwnerWatch::close_all() {
    for (auto& [pid, fd] : pidfd_by_pid_) ::close(fd);
    pidfd_by_pid_.clear();
}

void OwnerWatch::watch(const std::vector<JobInfo>& jobs) {
    const int self = ::getpid();
    std::set<int> wanted;
    bool owner_already_gone = false;
    complete_ = true;
    std::lock_guard lock(mutex_);
    for (const JobInfo& job : jobs) {
        // This process cannot die while it waits: no need to watch itself.
        if (job.finished() || job.owner_pid == 0 || job.owner_pid == self) continue;
        wanted.insert(job.owner_pid);
        if (pidfd_by_pid_.contains(job.owner_pid)) continue;
        int fd = open_pidfd(job.owner_pid);
        if (fd < 0 && errno != ESRCH) {  // cannot watch it (out of descriptors, say)
            complete_ = false;
            continue;
        }
        // Checked after opening: the pidfd then surely names the owner we saw.
        if (fd < 0 || !ProcessIdentity{job.owner_pid, job.owner_start_time}.alive()) {
            if (fd >= 0) ::close(fd);
            owner_already_gone = true;
            continue;
        }
        pidfd_by_pid_.emplace(job.owner_pid, fd);
    }
    std::erase_if(pidfd_by_pid_, [&](const auto& entry) {
        if (wanted.contains(entry.first)) return false;
        ::close(entry.second);
        return true;
    });
    if (owner_already_gone) detail::table_of(repository_).notify_change();
    if (pidfd_by_pid_.empty() && !thread_.joinable()) return;
    if (wake_fd_ < 0) wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wake_fd_ < 0) throw_system_error("eventfd", errno);
    if (!thread_.joinable()) {
        thread_ = std::thread([this] { run(); });
    } else {
        signal_event(wake_fd_);
    }
}

void OwnerWatch::run() {
    std::vector<pollfd> fds;
    std::vector<int> pids;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            fds.assign(1, pollfd{wake_fd_, POLLIN, 0});
            pids.assign(1, 0);
            for (auto& [pid, fd] : pidfd_by_pid_) {
                fds.push_back({fd, POLLIN, 0});
                pids.push_back(pid);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) return;
        if (fds[0].revents != 0) {
            std::uint64_t count;
            [[maybe_unused]] ssize_t ignored = ::read(wake_fd_, &count, sizeof count);
        }
        bool owner_died = false;
        std::lock_guard lock(mutex_);
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            owner_died = true;
            if (auto it = pidfd_by_pid_.find(pids[i]); it != pidfd_by_pid_.end() && it->second == fds[i].fd) {
                ::close(it->second);
                pidfd_by_pid_.erase(it);
            }
        }
        if (owner_died) detail::table_of(repository_).notify_change();
    }
}

}  // namespace jobctl::detail
