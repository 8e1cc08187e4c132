#include "thread_jobs/thread_job_pool.hpp"

#include <algorithm>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "system/clock.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/reason_text.hpp"
#include "thread_jobs/thread_job_entry.hpp"

namespace jobctl::detail {

namespace {

// Whether the job's parent (a foreach run) is being stopped. request_stop
// marks the parent first, then each child in turn: a pool thread freed by
// the stop of one child must not start a queued one not marked yet
// (--halt-on-error promises that queued children never start).
bool parent_stopping(Repository& repository, const ThreadJobEntry& entry) {
    if (entry.parent_id == 0) return false;
    auto parent = repository.find(entry.parent_id);
    return parent && parent->stop_requested;
}

// The pool thread takes the job: Running, unless a stop came first.
bool begin(Repository& repository, const ThreadJobEntry& entry) {
    return detail::lifecycle_of(repository).begin(entry.id, parent_stopping(repository, entry));
}

// `output_loss` ("output truncated: ...", or empty) ends the reason: a full
// disk cost the job output, not its outcome.
void end(Repository& repository, const ThreadJobEntry& entry, const std::optional<std::string>& failure,
         const std::string& output_loss) {
    JobEnding ending{JobState::completed, output_loss};
    if (failure)
        ending = {JobState::failed, join_reasons(failure->empty() ? "exception" : *failure, output_loss)};
    else if (entry.stop.load())
        ending = {JobState::stopped, join_reasons("stopped", output_loss)};
    else
        ending.stopped_if_asked = true;
    // Unless the body recorded its own outcome.
    detail::lifecycle_of(repository).finish(entry.id, ending);
}

}  // namespace

ThreadJobPool::ThreadJobPool(Repository& repository, ThreadJobHostOptions options, JobId throttled_by,
                             ThrottleFit fit)
    : repository_(repository),
      throttle_limit_(std::max(1u, options.throttle_limit)),
      throttled_by_(throttled_by),
      fit_(std::move(fit)),
      self_(ProcessIdentity::self()) {
    // Read here, before any job of ours exists: read in the new thread, it
    // could miss stops requested while that thread was still starting.
    std::uint32_t handled = detail::table_of(repository_).control_request_count();
    held_synced_at_ = handled;
    // A limit set before the pool came (after the count was read, it moves it).
    if (throttled_by_ != 0)
        if (auto parent = repository_.find(throttled_by_)) throttle_limit_ = fitted(parent->throttle_limit);
    stop_watcher_ = std::thread([this, handled] { watch_control_requests(handled); });
}

ThreadJobPool::~ThreadJobPool() {
    std::deque<std::shared_ptr<ThreadJobEntry>> queued;
    std::vector<std::shared_ptr<ThreadJobEntry>> running;
    std::vector<std::thread> pool;
    std::function<void(const JobInfo&)> finished_callback;
    {
        std::lock_guard lock(mutex_);
        shutting_down_ = true;
        queued.swap(queue_);
        running = running_;
        finished_callback = on_job_finished_;
    }
    queue_changed_.notify_all();
    for (const auto& entry : queued)
        end_unstarted(entry->id, "host shut down before it started", finished_callback);
    for (const auto& entry : running) {
        entry->request_stop();
        try {
            request_stop(repository_, entry->id, std::chrono::milliseconds(0));
        } catch (const std::exception&) {  // removed meanwhile: nothing to tell
        }
    }
    {
        std::lock_guard lock(mutex_);
        pool.swap(pool_);
    }
    for (std::thread& thread : pool) thread.join();
    detail::table_of(repository_).wake_control_watchers_to_look_again();  // ours then sees shutting_down_
    stop_watcher_.join();
}

Job ThreadJobPool::start(ThreadJobSpec spec) {
    detail::JobTable& table = detail::table_of(repository_);
    // A suspend of the new job moves the count after the add: if it did not
    // move, the job is as the add registered it, and needs no look.
    std::uint32_t requests = table.control_request_count();
    JobInfo job = table.add({spec.name, JobType::thread, spec.command.empty() ? "thread job" : spec.command,
                             spec.parent_id, self_.pid, self_.start_time, true});
    std::optional<bool> suspended;
    if (table.control_request_count() == requests) suspended = job.suspend_requested;
    return enqueue(job.id, std::move(spec.body), spec.parent_id, suspended);
}

Job ThreadJobPool::enqueue(JobId id, ThreadJobBody body, JobId parent_id, std::optional<bool> suspended) {
    auto entry = std::make_shared<ThreadJobEntry>(id, parent_id, std::move(body));
    {
        std::lock_guard lock(mutex_);
        // Read under mutex_, as take_startable does: a request made after
        // this read moves the count, and take_startable reads it again.
        entry->held = suspended ? *suspended : is_suspended(id);
        queue_.push_back(entry);
        // One more thread while queued jobs outnumber the idle threads, up to the limit.
        if (queue_.size() > idle_threads_ && pool_.size() < throttle_limit_.load())
            pool_.emplace_back([this] { run_pool_thread(); });
    }
    queue_changed_.notify_one();
    return Job(repository_, id);
}

void ThreadJobPool::on_job_finished(std::function<void(const JobInfo&)> callback) {
    std::lock_guard lock(mutex_);
    on_job_finished_ = std::move(callback);
}

void ThreadJobPool::run_pool_thread() {
    std::unique_lock lock(mutex_);
    for (;;) {
        ++idle_threads_;
        std::shared_ptr<ThreadJobEntry> entry;
        queue_changed_.wait(lock, [&] { return shutting_down_ || (entry = take_startable()) != nullptr; });
        --idle_threads_;
        if (!entry) return;  // shutting down
        running_.push_back(entry);
        auto finished_callback = on_job_finished_;
        lock.unlock();
        run_job(entry);
        try {
            if (finished_callback)
                if (auto job = repository_.find(entry->id)) finished_callback(*job);
        } catch (const std::exception&) {  // the callback's failure is not the pool's
        }
        lock.lock();
        std::erase(running_, entry);
    }
}

void ThreadJobPool::run_job(const std::shared_ptr<ThreadJobEntry>& entry) {
    try {
        if (!begin(repository_, *entry)) return;
        std::optional<std::string> failure;
        std::string output_loss;
        {
            JobContext context(repository_, entry);
            try {
                entry->body(context);
            } catch (const std::exception& error) {
                failure = error.what();
            } catch (...) {
                failure = "unknown exception";
            }
            try {
                context.flush();
            } catch (const std::exception& error) {
                if (!failure) failure = std::string("cannot write output: ") + error.what();
            }
            output_loss = context.output_loss_text();
        }
        end(repository_, *entry, failure, output_loss);
    } catch (const std::exception& error) {
        // The repository (or the output log) failed us: record it if we can,
        // rather than leave the job Running; the pool thread lives on.
        try {
            detail::lifecycle_of(repository_)
                .finish(entry->id, {JobState::failed, std::string("host error: ") + error.what()});
        } catch (const std::exception&) {
        }
    }
}

bool ThreadJobPool::is_suspended(JobId id) const {
    try {
        auto job = repository_.find(id);
        return job && job->suspend_requested;
    } catch (const std::exception&) {  // the repository failed us: run it rather than hold it forever
        return false;
    }
}

std::shared_ptr<ThreadJobEntry> ThreadJobPool::take_startable() {
    if (queue_.empty() || running_.size() >= throttle_limit_.load()) return nullptr;
    std::uint32_t requests = detail::table_of(repository_).control_request_count();
    if (requests != held_synced_at_) {
        held_synced_at_ = requests;  // loaded before the flags: a later request moves it again
        for (const auto& entry : queue_) entry->held = is_suspended(entry->id);
    }
    auto it = std::ranges::find_if(queue_, [](const auto& entry) { return !entry->held; });
    if (it == queue_.end()) return nullptr;
    auto entry = *it;
    queue_.erase(it);
    return entry;
}

// Sleeps on the repository's change counter; when the control-request count
// moved, looks at the stop and suspend flags of this host's jobs.
void ThreadJobPool::watch_control_requests(std::uint32_t handled) {
    try {
        watch_control_requests_until_shutdown(handled);
    } catch (const Error&) {
        // The table was truncated, replaced or removed under this host: no
        // request can reach its jobs any more; they run to their ends.
    }
}

void ThreadJobPool::watch_control_requests_until_shutdown(std::uint32_t handled) {
    for (;;) {
        {
            std::lock_guard lock(mutex_);
            if (shutting_down_ && pool_.empty()) return;
        }
        // Loaded before the flags are read: a request made after this load
        // moves the count again, so the wait below returns.
        std::uint32_t requests = detail::table_of(repository_).control_request_count();
        if (requests != handled) {
            handled = requests;
            deliver_stop_requests();
            deliver_suspend_requests();
            deliver_throttle_limit();
        }
        detail::table_of(repository_).wait_for_control_request(requests, std::chrono::hours(1));
    }
}

// A new limit from the parent's slot: raised, as many more threads as
// there are queued jobs to take up to it, and every idle one woken;
// lowered, the running jobs finish and take_startable holds the rest.
void ThreadJobPool::deliver_throttle_limit() {
    if (throttled_by_ == 0) return;
    auto parent = repository_.find(throttled_by_);
    if (!parent || parent->throttle_limit == throttle_limit_.load()) return;
    unsigned limit = fitted(parent->throttle_limit);
    {
        std::lock_guard lock(mutex_);
        if (shutting_down_) return;
        throttle_limit_ = limit;
        // Threads not running a job (idle, or still starting) each take one.
        while (pool_.size() < throttle_limit_.load() && pool_.size() - running_.size() < queue_.size())
            pool_.emplace_back([this] { run_pool_thread(); });
    }
    queue_changed_.notify_all();
}

// `wanted` cut to what fits (fit_), the cut written back to the parent's
// slot, so that its readers see the limit the pool keeps.
unsigned ThreadJobPool::fitted(unsigned wanted) {
    if (!fit_ || wanted == 0) return wanted;
    unsigned limit = fit_(wanted);
    if (limit != wanted) detail::lifecycle_of(repository_).set_throttle_limit(throttled_by_, limit);
    return limit;
}

void ThreadJobPool::deliver_stop_requests() {
    std::vector<std::shared_ptr<ThreadJobEntry>> entries;
    {
        std::lock_guard lock(mutex_);
        entries.assign(queue_.begin(), queue_.end());
        entries.insert(entries.end(), running_.begin(), running_.end());
    }
    std::vector<std::shared_ptr<ThreadJobEntry>> stopped_in_queue;
    for (const auto& entry : entries) {
        if (entry->stop.load()) continue;
        auto job = repository_.find(entry->id);
        if (!job || !job->stop_requested) continue;
        entry->request_stop();
        stopped_in_queue.push_back(entry);
    }
    // Queued jobs need no thread to end: take them out and record them Stopped now.
    std::function<void(const JobInfo&)> finished_callback;
    std::vector<JobId> ended;
    {
        std::lock_guard lock(mutex_);
        finished_callback = on_job_finished_;
        for (const auto& entry : stopped_in_queue) {
            auto it = std::find(queue_.begin(), queue_.end(), entry);
            if (it == queue_.end()) continue;
            queue_.erase(it);
            ended.push_back(entry->id);
        }
    }
    for (JobId id : ended) end_unstarted(id, "stopped before it started", finished_callback);
}

// Running bodies look at their suspend flag themselves (foreach children:
// CommandRun), every time: a flag that a body read before the request was
// made cannot be told apart here. Idle pool threads look at the queue again:
// a job held back may have been resumed.
void ThreadJobPool::deliver_suspend_requests() {
    std::vector<std::shared_ptr<ThreadJobEntry>> running;
    {
        std::lock_guard lock(mutex_);
        running = running_;
    }
    for (const auto& entry : running) entry->notify_suspend_change();
    {
        std::lock_guard lock(mutex_);  // taken, so that no thread is between its look and its wait
    }
    queue_changed_.notify_all();
}

void ThreadJobPool::end_unstarted(JobId id, const std::string& reason,
                                  const std::function<void(const JobInfo&)>& finished_callback) {
    try {
        detail::lifecycle_of(repository_).finish(id, {JobState::stopped, reason});
        if (finished_callback)
            if (auto job = repository_.find(id)) finished_callback(*job);
    } catch (const std::exception&) {
        // Called from the destructor too: nothing may escape. A job we could
        // not record is found "host lost" once this process is gone.
    }
}

}  // namespace jobctl::detail
