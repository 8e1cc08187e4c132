#pragma once
// State-change events of every job in a repository (PowerShell's
// StateChanged), whoever runs the jobs: each transition is reported once, in
// the order it happened, however many happened between two reads.

#include <cstdint>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

struct JobEvent {
    enum class Kind {
        created,        // a job was registered; `state` is its first state
        state_changed,  // it went from `from` to `state`
        progress,       // it reported progress (job.progress)
        removed,        // it was removed; `state` is the last state seen
        // Anything else of it changed (only with JobEventOptions::updates):
        // its output grew or was received (so its HasMoreData), its
        // location, its reason...; `state` is its state.
        updated,
    };
    Kind kind = Kind::state_changed;
    JobInfo job;  // the job as read when the event was reported (removed: as last seen)
    std::optional<JobState> from;
    JobState state = JobState::not_started;
    Clock::time_point at;  // when it entered `state` (progress, removed: when it was seen)
    // States it went through before this one that are no longer known: a
    // slot keeps a job's last 8 states, and the reader slept through more.
    std::uint32_t missed = 0;
};

std::string_view to_string(JobEvent::Kind kind);  // created, state, progress, removed, updated

// What a stream reports beyond the states, progress, creation and removal
// of jobs.
struct JobEventOptions {
    // Kind::updated too, for a job that changed in anything else. The stream
    // then wakes on every change, output included; without it, a job that
    // prints gigabytes does not wake it once per chunk. For a view that
    // redraws what listings show (`jobctl get --watch`).
    bool updates = false;
};

// Follows a repository from the moment it is made: the jobs there then are
// known, and next() reports every change after that. Not thread-safe; one
// reader per stream.
class JobEventStream {
public:
    explicit JobEventStream(Repository& repository, JobEventOptions options = {});
    ~JobEventStream();
    JobEventStream(JobEventStream&&) noexcept;
    JobEventStream& operator=(JobEventStream&&) noexcept;

    // Waits until something changed, then returns every event since the last
    // call, oldest first. Empty when the deadline passed first. It sleeps on
    // the repository's change counter, and on the owners of unfinished jobs
    // (a killed worker is reported "worker lost" at once).
    // Errors: system (a failed wait).
    std::vector<JobEvent> next(Deadline deadline = std::nullopt);

    // Every job as of the last read (at construction or by next()), by id,
    // liveness-checked as list_jobs does.
    const std::vector<JobInfo>& jobs() const;

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace jobctl
