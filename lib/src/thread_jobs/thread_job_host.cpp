#include "jobctl/thread_job_host.hpp"

#include "thread_jobs/thread_job_pool.hpp"

namespace jobctl {

ThreadJobHost::ThreadJobHost(Repository& repository, ThreadJobHostOptions options)
    : pool_(std::make_unique<detail::ThreadJobPool>(repository, options)) {}

ThreadJobHost::~ThreadJobHost() = default;

Job ThreadJobHost::start(std::string name, ThreadJobBody body) {
    return pool_->start(ThreadJobSpec{std::move(name), "", 0, std::move(body)});
}

Job ThreadJobHost::start(ThreadJobSpec spec) {
    return pool_->start(std::move(spec));
}

unsigned ThreadJobHost::throttle_limit() const {
    return pool_->throttle_limit();
}

void ThreadJobHost::on_job_finished(std::function<void(const JobInfo&)> callback) {
    pool_->on_job_finished(std::move(callback));
}

}  // namespace jobctl
