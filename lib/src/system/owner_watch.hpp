#pragma once
// Wakes the repository's waiters when the owner of a job being waited on
// dies, so that a kill -9'd worker is noticed at once instead of by polling.
// A background thread polls one pidfd per owner.

#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

class OwnerWatch {
public:
    explicit OwnerWatch(const Repository& repository);
    ~OwnerWatch();
    OwnerWatch(const OwnerWatch&) = delete;
    OwnerWatch& operator=(const OwnerWatch&) = delete;

    // Watches the owners of the unfinished jobs among `jobs` (and only those).
    void watch(const std::vector<JobInfo>& jobs);
    // False when some owner could not be watched: the waiter must then look
    // again now and then instead of trusting a wake-up.
    bool complete() const { return complete_; }

private:
    void run();

    const Repository& repository_;
    std::mutex mutex_;
    std::map<int, FileDescriptor> pidfd_by_pid_;  // guarded by mutex_
    FileDescriptor wake_fd_;                      // eventfd: the set changed or we stop
    bool stopping_ = false;
    bool complete_ = true;
    std::thread thread_;
};

}  // namespace jobctl::detail
