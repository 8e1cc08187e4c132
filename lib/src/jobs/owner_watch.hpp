#pragma once
// Wakes the repository's waiters when the owner of a job being waited on
// dies, so that a kill -9'd worker is noticed at once instead of by polling.
// A background thread polls one pidfd per owner.
//
// It never takes the last descriptors: a pidfd is kept only while its number
// is below the soft RLIMIT_NOFILE less a reserve (an eighth of the limit, at
// least 16), left for what the waiter and the library open while they wait
// (/proc files, output logs). Owners past that, or any it cannot watch for
// another reason, make complete() false: the waiter then looks again now and
// then, so waiting on more jobs than the limit allows works, only slower to
// notice a killed owner.

#include <atomic>
#include <cstdint>
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
    bool complete() const { return complete_ && !broken_.load(); }
    // True when this watch holds a pidfd for the job's owner (that pid and
    // start time) that has not signalled its end: the owner is alive, or
    // its end is about to wake the waiter. Such a job needs no liveness
    // check (a read of /proc) on every wake-up: 1000 jobs ending one by one
    // would otherwise cost a million reads.
    bool watching(const JobInfo& job);

private:
    void run();

    const Repository& repository_;
    std::mutex mutex_;
    struct Owner {
        FileDescriptor pidfd;
        std::uint64_t start_time = 0;
    };
    std::map<int, Owner> owner_by_pid_;  // guarded by mutex_
    FileDescriptor wake_fd_;             // eventfd: the set changed or we stop
    bool stopping_ = false;
    bool complete_ = true;
    std::atomic<bool> broken_ = false;  // the thread could not poll and has ended
    std::thread thread_;
};

}  // namespace jobctl::detail
