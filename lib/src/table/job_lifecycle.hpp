#pragma once
// The job lifecycle: every change the library makes to a job's slot after
// it was registered, as a named operation. Nothing outside table/ writes a
// slot; JobTable::update, the raw write, is private to this class.
//
// Each operation runs in one critical section of the table's lock and keeps
// the lifecycle's rules itself, so that no caller can forget one:
//  - States only move forward. A finished job (Completed, Failed, Stopped)
//    keeps its state and outcome: no operation changes them. What may still
//    move on it is bookkeeping: output published and received, progress,
//    location, a reason's addition, a late stop flag, the pid of a command
//    started just as the job was marked lost.
//  - An operation that moves a job between owners, or judges one dead
//    (hand_over, confirm_claim, mark_lost), acts only while the slot still
//    names that owner (pid and start time): a new owner, or a liveness
//    check that marked the job lost, wins over a late writer. The runner's
//    own operations need no such check: only the owner runs the job.
//  - A stop wins over a suspend, and over a start that has not happened yet.
//  - Every state change is kept in the job's state history (write_slot).
//  - Every operation that ends a job marks its history line pending and,
//    once the lock is let go, appends it to the repository's history
//    (table/history_file.hpp) and marks it written.
// Each returns whether it changed the job (or what it found), and does
// nothing, returning false, when the job does not exist.
//
// Who calls what (the lock protocol in segment_layout.hpp says more):
//   launcher:       hand_over (to its worker), finish (a job that could not start),
//                   reopen (jobctl restart)
//   Slurm submitter, or whoever finds a follower lost: hand_over
//   worker/runner:  claim, confirm_claim (a Slurm follower), unblock,
//                   record_command, end_attempt, publish_output, accept_stop,
//                   mark_timing_out, confirm_suspended, confirm_resumed, finish
//   thread host:    begin, begin_parent (a foreach parent), publish_output,
//                   publish_progress, finish
//   custom runner:  set_runner_state, set_location, set_external_id,
//                   publish_output, publish_progress, refuse_suspend, finish
//   anyone:         request_stop, request_suspend, request_resume,
//                   set_throttle_limit (a foreach parent), set_priority (a queued job that
//                   waits), mark_received, mark_lost, append_reason,
//                   confirm_suspended (a parent whose children all are)
// Queue admission (JobTable::take_queue_turn) writes Running and the place
// in line in its own critical section (queue_table.cpp).

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "jobctl/job.hpp"
#include "system/process_identity.hpp"
#include "table/containment.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {

// How a job ends.
struct JobEnding {
    JobEnding() = default;
    JobEnding(JobState state, std::string reason, std::optional<int> exit_code = std::nullopt,
              int term_signal = 0)
        : state(state), reason(std::move(reason)), exit_code(exit_code), term_signal(term_signal) {}

    JobState state = JobState::completed;  // Completed, Failed or Stopped
    std::string reason;
    std::optional<int> exit_code;
    int term_signal = 0;
    std::optional<ResourceUse> resources;  // what the command's processes used, if measured
    // A Completed ending becomes Stopped, "stopped" before the reason, when a
    // stop was asked for by the time it is recorded.
    bool stopped_if_asked = false;
};

// What a stop, suspend or resume request found.
struct ControlRequestResult {
    bool found = false;      // the job exists
    bool requested = false;  // and the request changed it
    bool top_level = false;  // it has no parent (so it may have children)
};

class JobLifecycle {
public:
    explicit JobLifecycle(JobTable& table) : table_(table) {}

    // --- Owners ---
    enum class Claim { claimed, stopped_before_start, finished };
    // The job's worker takes it (owner, claimed), unless a stop came first:
    // then it ends Stopped, "stopped before it started".
    Claim claim(JobId id, const ProcessIdentity& worker);
    // `from` hands the job to `to`, which claims it when it runs. False
    // unless `from` owns it and it is not finished.
    bool hand_over(JobId id, const ProcessIdentity& from, const ProcessIdentity& to);
    // Its owner, handed it by hand_over, now runs it.
    bool confirm_claim(JobId id, const ProcessIdentity& owner);
    // The same for each of `ids` (a Slurm array), in one critical section;
    // how many were handed, or claimed.
    std::size_t hand_over(const std::vector<JobId>& ids, const ProcessIdentity& from,
                          const ProcessIdentity& to);
    std::size_t confirm_claim(const std::vector<JobId>& ids, const ProcessIdentity& owner);

    // --- Running ---
    // A host's pool thread starts the job: Running, unless a stop was asked
    // for (of it, or `parent_stopping`): then Stopped, "stopped before it
    // started". True if it is Running now.
    bool begin(JobId id, bool parent_stopping = false);
    // A parent whose first child started: Running (began stamped once).
    bool begin_parent(JobId id);
    // A job that waited only for its dependencies: Blocked to Running,
    // unless a stop was asked for.
    bool unblock(JobId id);
    // A worker's command was spawned: its process group, Running (or
    // Suspending, when a suspend came before it had a group to stop).
    struct CommandStarted {
        bool found = false;
        JobId parent_id = 0;
        bool suspend_now = false;  // carry out a suspend asked for before the start
    };
    // `containment`: how its processes are held (get --json says);
    // `attempt`: which one this is, for a job with retries (else 0).
    CommandStarted record_command(JobId id, int pid, std::uint64_t start_time,
                                  Containment containment = Containment::session, unsigned attempt = 0);
    // The runner ends a failed attempt that will be tried again: Blocked,
    // with `reason` (which attempt failed, and why). False, changing
    // nothing, when a stop was asked for meanwhile or the job has ended.
    bool end_attempt(JobId id, std::string_view reason);
    // `jobctl restart`: a finished job runs again under its id, NotStarted
    // (Blocked when it runs after others or in a queue), owned by `worker`
    // unclaimed, its outcome cleared; its output stays, and grows. The one
    // way back from a final state. False, changing nothing, unless it had
    // finished (a restart that lost a race).
    // `claimed`: the owner runs it itself (a foreach rerun's host).
    bool reopen(JobId id, const ProcessIdentity& worker, bool claimed = false);
    // A custom job's runner says where it stands: NotStarted, Blocked,
    // Running or Suspended. A requested stop stays visible (Stopping), and
    // Running shows Suspending while a suspend is asked for.
    bool set_runner_state(JobId id, JobState state, std::string_view reason);
    bool set_location(JobId id, std::string_view location);
    bool set_external_id(JobId id, std::string_view external_id);
    // Each of `ids` gets its external id (`external_ids`, in the same order), in one critical section.
    void set_external_ids(const std::vector<JobId>& ids, const std::vector<std::string>& external_ids);

    // --- Output ---
    // The job's log now holds `size` bytes (it only grows).
    bool publish_output(JobId id, std::uint64_t size);
    bool publish_progress(JobId id, double fraction, std::string_view text);
    // Output was received up to `offset`; with `handed_over`, the whole
    // output and the outcome of a finished job were: only such a job may a
    // full table evict.
    bool mark_received(JobId id, std::uint64_t offset, bool handed_over);

    // --- Control ---
    ControlRequestResult request_stop(JobId id, std::chrono::milliseconds grace);
    // A suspend of a job not started yet holds it back (Suspended at once).
    ControlRequestResult request_suspend(JobId id);
    ControlRequestResult request_resume(JobId id);
    // How many of a foreach parent's children may run at once (0: none
    // starts), told to its host as a control request. `top_level` is set
    // for a foreach parent run by a host; `requested` if it was unfinished
    // and the limit changed.
    ControlRequestResult set_throttle_limit(JobId id, std::uint32_t limit);
    // A queued job's priority, while it waits (Blocked): `requested` if it
    // changed. Its place in line is the queue's order (queue_table.cpp).
    ControlRequestResult set_priority(JobId id, std::int32_t priority);
    // The runner acts on a stop, asked for or not (a signal at shutdown
    // counts as a stop with `default_grace`): Stopping. Returns the grace.
    std::chrono::milliseconds accept_stop(JobId id, std::chrono::milliseconds default_grace);
    // The runner ends the job at its time limit: Stopping, with no stop asked for.
    bool mark_timing_out(JobId id);
    // Every process of the job is stopped (or every child of a parent is
    // Suspended or finished): Suspended, if a suspend is still asked for.
    bool confirm_suspended(JobId id);
    // The runner continued the job: Running, if no suspend is asked for.
    bool confirm_resumed(JobId id);
    // The runner cannot suspend the job: the request is dropped, with `why`.
    bool refuse_suspend(JobId id, std::string_view why);

    // --- Ends ---
    bool finish(JobId id, const JobEnding& ending);
    // Failed with `reason`, if `owner` still owns the unfinished job: its
    // owner is gone and nobody else will end it.
    bool mark_lost(JobId id, const ProcessIdentity& owner, std::string_view reason);
    // "REASON; MORE", if the reason still is `reason`.
    bool append_reason(JobId id, std::string_view reason, std::string_view more);
    // Appends the history line of `ended`, a job this process just ended,
    // and clears the mark that says it is coming (every operation that
    // ends a job calls it; so does the first open after a reboot).
    void record_history(const JobInfo& ended);

private:
    // Appends the history line of a job an operation just ended (`ended`:
    // its slot as written), after the operation let go of the lock.
    void record_ending(const std::optional<JobSlot>& ended);

    JobTable& table_;
};

inline JobLifecycle lifecycle_of(const Repository& repository) {
    return JobLifecycle(table_of(repository));
}

}  // namespace jobctl::detail
