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

bool same_progress(const std::optional<JobProgress>& a, const std::optional<JobProgress>& b) {
    if (a.has_value() != b.has_value()) return false;
    return !a || (a->fraction == b->fraction && a->text == b->text);
}

Clock::time_point time_of(std::int64_t ns) {
    return detail::time_from_ns(ns).value_or(Clock::time_point{});
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
    }
    return "unknown";
}

struct JobEventStream::State {
    struct Seen {
        std::uint32_t state_changes;  // the job's change sequence number last reported
        JobInfo job;
    };

    explicit State(Repository& repository) : repository(repository), owner_watch(repository) { read(); }

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
    // new job), then its progress if that moved.
    void changes_of(const detail::JobRecord& record, const JobInfo& job, std::vector<JobEvent>& events) {
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
        bool progress_moved = !same_progress(last.job.progress, job.progress);
        if ((is_new && job.progress) || (!is_new && progress_moved)) {
            JobEvent event;
            event.kind = JobEvent::Kind::progress;
            event.job = job;
            event.state = job.state;
            event.at = Clock::now();
            events.push_back(std::move(event));
        }
        last.state_changes = std::max(last.state_changes, record.state_changes);
        last.job = job;
    }

    void removals(std::vector<JobEvent>& events) {
        for (auto it = seen.begin(); it != seen.end();) {
            if (std::ranges::binary_search(jobs, it->first, {}, &JobInfo::id)) {
                ++it;
                continue;
            }
            JobEvent event;
            event.kind = JobEvent::Kind::removed;
            event.job = it->second.job;
            event.state = it->second.job.state;
            event.at = Clock::now();
            events.push_back(std::move(event));
            it = seen.erase(it);
        }
    }

    Repository& repository;
    detail::OwnerWatch owner_watch;
    std::unordered_map<JobId, Seen> seen;
    std::vector<JobInfo> jobs;
};

JobEventStream::JobEventStream(Repository& repository) : state_(std::make_unique<State>(repository)) {}
JobEventStream::~JobEventStream() = default;
JobEventStream::JobEventStream(JobEventStream&&) noexcept = default;
JobEventStream& JobEventStream::operator=(JobEventStream&&) noexcept = default;

std::vector<JobEvent> JobEventStream::next(Deadline deadline) {
    detail::JobTable& table = detail::table_of(state_->repository);
    constexpr auto kStates = detail::JobTable::Changes::of_state;
    for (;;) {
        std::uint32_t seen = table.change_count(kStates);
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
        table.wait_for_change(seen, remaining, kStates);
    }
}

const std::vector<JobInfo>& JobEventStream::jobs() const {
    return state_->jobs;
}

}  // namespace jobctl
