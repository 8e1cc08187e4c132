#include "jobctl/job_events.hpp"

#include <algorithm>
#include <unordered_map>

#include "jobs/liveness.hpp"
#include "jobs/more_data.hpp"
#include "jobs/owner_watch.hpp"
#include "system/clock.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

Clock::time_point time_of(std::int64_t ns) {
    return detail::time_from_ns(ns).value_or(Clock::time_point{});
}

// An event that has no time of its own (progress, removed, updated): when it was seen.
JobEvent seen_now(JobEvent::Kind kind, const JobInfo& job) {
    JobEvent event;
    event.kind = kind;
    event.job = job;
    event.state = job.state;
    event.at = Clock::now();
    return event;
}

}  // namespace

std::string_view to_string(JobEvent::Kind kind) {
    switch (kind) {
        case JobEvent::Kind::created:
            return "created";
        case JobEvent::Kind::state_changed:
            return "state";
        case JobEvent::Kind::progress:
            return "progress";
        case JobEvent::Kind::removed:
            return "removed";
        case JobEvent::Kind::updated:
            return "updated";
    }
    return "unknown";
}

struct JobEventStream::State {
    struct Seen {
        std::uint32_t state_changes;  // the job's change sequence number last reported
        JobInfo job;
    };

    State(Repository& repository, JobEventOptions options)
        : repository(repository), options(options), owner_watch(repository) {
        read();
    }

    // One snapshot of every slot (after marking lost jobs, so that their
    // Failed step is in it), and the events since the last one, oldest first.
    std::vector<JobEvent> read() {
        std::vector<detail::JobRecord> records = detail::table_of(repository).list_with_history();
        jobs.clear();
        for (const detail::JobRecord& record : records) jobs.push_back(record.job);
        // Liveness marks a job lost, or finds the slot moved on since it was
        // copied (a job whose launcher is gone, claimed and finished by its
        // worker meanwhile), and updates that copy: the slots are then read
        // again, so that each job and its history agree.
        bool moved_on = false;
        for (JobInfo& job : jobs) {
            JobState copied = job.state;
            moved_on |= Liveness::check(repository, job) || job.state != copied;
        }
        if (moved_on) return read();
        detail::mark_parents_with_more_data(jobs);  // records and jobs: both by id
        std::vector<JobEvent> events;
        for (std::size_t i = 0; i < records.size(); ++i) changes_of(records[i], jobs[i], events);
        removals(events);
        std::ranges::stable_sort(events, {}, &JobEvent::at);
        return events;
    }

    // The states the job entered since it was last seen (all of them for a
    // new job), then its progress if that moved; else, if asked for, that
    // something else of it changed.
    void changes_of(const detail::JobRecord& record, const JobInfo& job, std::vector<JobEvent>& events) {
        const std::size_t reported_before = events.size();
        auto [it, is_new] = seen.try_emplace(job.id, Seen{0, job});
        Seen& last = it->second;
        if (record.state_changes < last.state_changes) last.state_changes = 0;  // the count wrapped
        std::optional<JobState> from;
        if (!is_new) from = last.job.state;
        std::uint32_t expected = last.state_changes + 1;
        for (const detail::StateEntered& entered : record.history) {
            if (entered.number <= last.state_changes) continue;  // reported before
            JobEvent event;
            event.kind = is_new && !from ? JobEvent::Kind::created : JobEvent::Kind::state_changed;
            event.job = job;
            event.from = from;
            event.state = entered.state;
            event.at = time_of(entered.at_ns);
            event.missed = entered.number - expected;
            events.push_back(std::move(event));
            from = entered.state;
            expected = entered.number + 1;
        }
        bool progress_moved = last.job.progress != job.progress;
        if ((is_new && job.progress) || (!is_new && progress_moved))
            events.push_back(seen_now(JobEvent::Kind::progress, job));
        if (options.updates && !is_new && events.size() == reported_before && last.job != job)
            events.push_back(seen_now(JobEvent::Kind::updated, job));
        last.state_changes = std::max(last.state_changes, record.state_changes);
        last.job = job;
    }

    void removals(std::vector<JobEvent>& events) {
        for (auto it = seen.begin(); it != seen.end();) {
            if (std::ranges::binary_search(jobs, it->first, {}, &JobInfo::id)) {
                ++it;
                continue;
            }
            events.push_back(seen_now(JobEvent::Kind::removed, it->second.job));
            it = seen.erase(it);
        }
    }

    Repository& repository;
    JobEventOptions options;
    detail::OwnerWatch owner_watch;
    std::unordered_map<JobId, Seen> seen;
    std::vector<JobInfo> jobs;
};

JobEventStream::JobEventStream(Repository& repository, JobEventOptions options)
    : state_(std::make_unique<State>(repository, options)) {}
JobEventStream::~JobEventStream() = default;
JobEventStream::JobEventStream(JobEventStream&&) noexcept = default;
JobEventStream& JobEventStream::operator=(JobEventStream&&) noexcept = default;

std::vector<JobEvent> JobEventStream::next(Deadline deadline) {
    detail::JobTable& table = detail::table_of(state_->repository);
    // Output moves only the counter of every change.
    const auto wake_on =
        state_->options.updates ? detail::JobTable::Changes::any : detail::JobTable::Changes::of_state;
    for (;;) {
        std::uint32_t seen = table.change_count(wake_on);
        std::vector<JobEvent> events = state_->read();
        if (!events.empty()) return events;
        auto remaining = std::chrono::nanoseconds(std::chrono::hours(1));
        if (deadline) {
            remaining = *deadline - std::chrono::steady_clock::now();
            if (remaining <= std::chrono::nanoseconds::zero()) return {};
        }
        state_->owner_watch.watch(state_->jobs);
        // An owner we could not watch is looked at again after a while.
        if (!state_->owner_watch.complete())
            remaining = std::min<std::chrono::nanoseconds>(remaining, std::chrono::milliseconds(100));
        table.wait_for_change(seen, remaining, wake_on);
    }
}

const std::vector<JobInfo>& JobEventStream::jobs() const {
    return state_->jobs;
}

}  // namespace jobctl
