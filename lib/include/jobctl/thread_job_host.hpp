#pragma once
// Thread jobs (Start-ThreadJob): bodies run on a pool of threads in this
// process, at most `throttle_limit` at once, the rest waiting NotStarted in
// submission order. Each is a job of the shared repository, owned by this
// process: other processes list, wait on, receive, stop and remove it like
// any other job. If this process dies, its unfinished jobs become Failed
// ("host lost") on the next look from anywhere.

#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "jobctl/job_context.hpp"
#include "jobctl/job_handle.hpp"
#include "jobctl/process_identity.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

using ThreadJobBody = std::function<void(JobContext&)>;

struct ThreadJobHostOptions {
    unsigned throttle_limit = 5;  // Start-ThreadJob's default
};

struct ThreadJobSpec {
    std::string name;     // empty: "Job<id>"
    std::string command;  // display text; empty: "thread job"
    JobId parent_id = 0;
    ThreadJobBody body;
};

class ThreadJobHost {
public:
    explicit ThreadJobHost(Repository& repository, ThreadJobHostOptions options = {});
    // Requests a stop of every unfinished job (queued ones end Stopped at
    // once), then joins the pool: it returns when the running bodies return.
    ~ThreadJobHost();
    ThreadJobHost(const ThreadJobHost&) = delete;
    ThreadJobHost& operator=(const ThreadJobHost&) = delete;

    // Registers the job (NotStarted) and queues it. A body that throws ends
    // Failed with the exception's message as the reason; one that returns
    // after a stop request ends Stopped; otherwise Completed.
    Job start(std::string name, ThreadJobBody body);
    Job start(ThreadJobSpec spec);

    unsigned throttle_limit() const { return throttle_limit_; }
    // Called on the pool thread after each job of this host has finished.
    void on_job_finished(std::function<void(const JobInfo&)> callback);

private:
    void run_pool_thread();
    void run_job(const std::shared_ptr<detail::ThreadJobEntry>& entry);
    void watch_stop_requests(std::uint32_t handled);
    void deliver_stop_requests();
    // Records a queued job Stopped without running it.
    void end_unstarted(JobId id, const std::string& reason, const std::function<void(const JobInfo&)>& finished_callback);

    Repository& repository_;
    unsigned throttle_limit_;
    ProcessIdentity self_;  // owner of every job of this host
    std::mutex mutex_;
    std::condition_variable queue_changed_;
    std::deque<std::shared_ptr<detail::ThreadJobEntry>> queue_;     // guarded by mutex_
    std::vector<std::shared_ptr<detail::ThreadJobEntry>> running_;  // guarded by mutex_
    std::vector<std::thread> pool_;                                 // guarded by mutex_
    unsigned idle_threads_ = 0;                                     // guarded by mutex_
    bool shutting_down_ = false;                                    // guarded by mutex_
    std::function<void(const JobInfo&)> on_job_finished_;
    std::thread stop_watcher_;
};

}  // namespace jobctl
