#pragma once
// The machinery behind ThreadJobHost: the queue, the pool threads and the
// watcher that delivers control requests (stop, suspend, resume) from other
// processes. A queued job that is suspended is held back: no thread starts
// it until it is resumed.

#include <atomic>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "jobctl/thread_job_host.hpp"
#include "system/process_identity.hpp"
#include "thread_jobs/thread_job_entry.hpp"

namespace jobctl::detail {

class ThreadJobPool {
public:
    // `throttled_by`: a foreach parent whose slot's throttle limit, changed
    // while the pool runs (set_throttle_limit), replaces options.throttle_limit;
    // cut by `fit` (how many of N at once fit), and then written back.
    using ThrottleFit = std::function<unsigned(unsigned wanted)>;
    explicit ThreadJobPool(Repository& repository, ThreadJobHostOptions options = {}, JobId throttled_by = 0,
                           ThrottleFit fit = nullptr);
    // Requests a stop of every unfinished job (queued ones end Stopped at
    // once), then joins the pool: it returns when the running bodies return.
    ~ThreadJobPool();
    ThreadJobPool(const ThreadJobPool&) = delete;
    ThreadJobPool& operator=(const ThreadJobPool&) = delete;

    // Registers the job (NotStarted) and queues it. A body that throws ends
    // Failed with the exception's message as the reason; one that returns
    // after a stop request ends Stopped; otherwise Completed.
    Job start(ThreadJobSpec spec);
    // Queues a job that is already registered (NotStarted, owned and claimed
    // by this process), as a foreach registers its children all at once.
    // `suspended`: whether it is, when the caller knows (else it is looked up).
    Job enqueue(JobId id, ThreadJobBody body, JobId parent_id = 0,
                std::optional<bool> suspended = std::nullopt);

    unsigned throttle_limit() const { return throttle_limit_.load(); }
    // Called on the pool thread after each job of this host has finished.
    void on_job_finished(std::function<void(const JobInfo&)> callback);

private:
    void run_pool_thread();
    void run_job(const std::shared_ptr<ThreadJobEntry>& entry);
    void watch_control_requests(std::uint32_t handled);
    void watch_control_requests_until_shutdown(std::uint32_t handled);
    void deliver_stop_requests();
    void deliver_suspend_requests();
    void deliver_throttle_limit();
    unsigned fitted(unsigned wanted);
    // The first queued job that is not held back, taken out of the queue;
    // null if there is none, or the throttle limit's worth run already.
    // Caller holds mutex_.
    std::shared_ptr<ThreadJobEntry> take_startable();
    bool is_suspended(JobId id) const;
    // Records a queued job Stopped without running it.
    void end_unstarted(JobId id, const std::string& reason,
                       const std::function<void(const JobInfo&)>& finished_callback);

    Repository& repository_;
    std::atomic<unsigned> throttle_limit_;  // written under mutex_; 0: none starts
    const JobId throttled_by_;
    const ThrottleFit fit_;
    ProcessIdentity self_;  // owner of every job of this host
    std::mutex mutex_;
    std::condition_variable queue_changed_;
    std::deque<std::shared_ptr<ThreadJobEntry>> queue_;     // guarded by mutex_
    std::vector<std::shared_ptr<ThreadJobEntry>> running_;  // guarded by mutex_
    std::vector<std::thread> pool_;                         // guarded by mutex_
    unsigned idle_threads_ = 0;                             // guarded by mutex_
    bool shutting_down_ = false;                            // guarded by mutex_
    // The control-request count when the queued jobs' `held` was last read
    // from their slots (guarded by mutex_): read again once it has moved.
    std::uint32_t held_synced_at_ = 0;
    std::function<void(const JobInfo&)> on_job_finished_;
    std::thread stop_watcher_;
};

}  // namespace jobctl::detail
