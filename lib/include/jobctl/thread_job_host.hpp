#pragma once
// Thread jobs (Start-ThreadJob): bodies run on a pool of threads in this
// process, at most `throttle_limit` at once, the rest waiting NotStarted in
// submission order. Each is a job of the shared repository, owned by this
// process: other processes list, wait on, receive, stop and remove it like
// any other job. If this process dies, its unfinished jobs become Failed
// ("host lost") on the next look from anywhere.

#include <functional>
#include <memory>
#include <string>

#include "jobctl/job_context.hpp"
#include "jobctl/job_handle.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

namespace detail {
class ThreadJobPool;
}  // namespace detail

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
    // Errors: invalid_argument (a bad name), repository_full.
    Job start(std::string name, ThreadJobBody body);
    Job start(ThreadJobSpec spec);

    unsigned throttle_limit() const;
    // Called on the pool thread after each job of this host has finished.
    void on_job_finished(std::function<void(const JobInfo&)> callback);

private:
    std::unique_ptr<detail::ThreadJobPool> pool_;
};

}  // namespace jobctl
