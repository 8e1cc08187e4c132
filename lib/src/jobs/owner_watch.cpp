#include "jobs/owner_watch.hpp"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <set>
#include <system_error>

#include "jobctl/error.hpp"
#include "system/event_signal.hpp"
#include "system/namespaces.hpp"
#include "system/pidfd.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {

OwnerWatch::OwnerWatch(const Repository& repository) : repository_(repository) {}

OwnerWatch::~OwnerWatch() {
    if (thread_.joinable()) {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        signal_event(wake_fd_.get());
        thread_.join();
    }
    // The pidfds and the eventfd close with their owners.
}

namespace {

// Pidfds are kept only below this number (see owner_watch.hpp).
int pidfd_ceiling() {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 1 << 20;
    auto soft = static_cast<long long>(std::min<rlim_t>(limit.rlim_cur, 1 << 20));
    return static_cast<int>(soft - std::max(16LL, soft / 8));
}

}  // namespace

void OwnerWatch::watch(const std::vector<JobInfo>& jobs) {
    const int self = ::getpid();
    std::set<int> wanted;
    bool owner_already_gone = false;
    bool changed = false;
    bool out_of_room = false;  // no more pidfds this time
    const int ceiling = pidfd_ceiling();
    complete_ = true;
    std::lock_guard lock(mutex_);
    for (const JobInfo& job : jobs) {
        // This process cannot die while it waits: no need to watch itself.
        if (job.finished() || job.owner_pid == 0 || job.owner_pid == self) continue;
        // An owner numbered in another pid namespace has no pid here to
        // watch, and no death this process could declare: not watched.
        if (!can_judge_pid_namespace(job.owner_pid_namespace)) continue;
        wanted.insert(job.owner_pid);
        if (auto it = owner_by_pid_.find(job.owner_pid); it != owner_by_pid_.end()) {
            if (it->second.start_time == job.owner_start_time) continue;
            owner_by_pid_.erase(it);  // that pid is someone else's now
        }
        // The eventfd first: it must not be the descriptor that fails.
        if (!wake_fd_) wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!wake_fd_ || out_of_room) {
            complete_ = false;
            continue;
        }
        FileDescriptor pidfd = open_pidfd(job.owner_pid);
        if (!pidfd && errno == ESRCH) {
            owner_already_gone = true;
            continue;
        }
        if (!pidfd || pidfd.get() >= ceiling) {  // out of descriptors, or nearly
            out_of_room = true;
            complete_ = false;
            continue;
        }
        // Checked after opening: the pidfd then surely names the owner we saw.
        if (!ProcessIdentity{job.owner_pid, job.owner_start_time, job.owner_pid_namespace}.alive()) {
            owner_already_gone = true;
            continue;
        }
        owner_by_pid_.emplace(job.owner_pid, Owner{std::move(pidfd), job.owner_start_time});
        changed = true;
    }
    changed |=
        std::erase_if(owner_by_pid_, [&](const auto& entry) { return !wanted.contains(entry.first); }) > 0;
    if (owner_already_gone) detail::table_of(repository_).notify_change();
    if (owner_by_pid_.empty() && !thread_.joinable()) return;
    if (!thread_.joinable()) {
        try {
            thread_ = std::thread([this] { run(); });
        } catch (const std::system_error&) {  // no thread to be had: look again instead
            owner_by_pid_.clear();
            complete_ = false;
        }
    } else if (changed) {
        signal_event(wake_fd_.get());
    }
}

bool OwnerWatch::watching(const JobInfo& job) {
    if (broken_.load() || !thread_.joinable()) return false;  // nobody would wake the waiter
    std::lock_guard lock(mutex_);
    auto it = owner_by_pid_.find(job.owner_pid);
    return it != owner_by_pid_.end() && it->second.start_time == job.owner_start_time;
}

void OwnerWatch::run() {
    std::vector<pollfd> fds;
    std::vector<int> pids;
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (stopping_) return;
            fds.assign(1, pollfd{wake_fd_.get(), POLLIN, 0});
            pids.assign(1, 0);
            for (auto& [pid, owner] : owner_by_pid_) {
                fds.push_back({owner.pidfd.get(), POLLIN, 0});
                pids.push_back(pid);
            }
        }
        if (::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) {
            broken_ = true;  // the waiter looks again now and then instead
            return;
        }
        if (fds[0].revents != 0) {
            std::uint64_t count;
            [[maybe_unused]] ssize_t ignored = ::read(wake_fd_.get(), &count, sizeof count);
        }
        bool owner_died = false;
        std::lock_guard lock(mutex_);
        for (std::size_t i = 1; i < fds.size(); ++i) {
            if (fds[i].revents == 0) continue;
            owner_died = true;
            auto it = owner_by_pid_.find(pids[i]);
            if (it != owner_by_pid_.end() && it->second.pidfd.get() == fds[i].fd)
                owner_by_pid_.erase(it);  // closes it, before the waiters are woken
        }
        if (owner_died) detail::table_of(repository_).notify_change();
    }
}

}  // namespace jobctl::detail
