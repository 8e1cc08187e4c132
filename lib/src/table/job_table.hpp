#pragma once
// The job table behind a Repository handle: every read and write of job
// slots, and the change counters that waiters sleep on. Library-internal;
// reach it from a Repository with table_of(repository).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/process_identity.hpp"
#include "table/history_file.hpp"
#include "table/repository_location.hpp"

namespace jobctl::detail {

class Segment;
struct JobSlot;  // table/segment_layout.hpp: table/'s own

// One state a job entered, as its slot's state history keeps it.
struct StateEntered {
    std::uint32_t number;  // the job's change sequence number of this state
    JobState state;
    std::int64_t at_ns;
};

// A job and the last states it entered (at most kStateHistory), oldest first.
struct JobRecord {
    JobInfo job;
    std::uint32_t state_changes = 0;  // the number of its current state
    std::vector<StateEntered> history;
};

// What a new job is registered with.
struct NewJob {
    std::string name;  // empty: "Job<id>", or a child's PARENT:<n>
    JobType type = JobType::process;
    std::string command;  // display text
    JobId parent_id = 0;
    int owner_pid = 0;  // who answers for the job until it is claimed
    std::uint64_t owner_start_time = 0;
    bool owner_claimed = false;  // the owner runs the job itself (a thread-job host)
    bool can_suspend = false;    // its runner acts on suspend requests (process jobs, foreach)
    // How it runs, recorded for readers (see JobInfo); the runner gets the
    // same from its own arguments.
    std::string cwd{};  // cut to fit the slot
    std::uint64_t timeout_ms = 0;
    std::vector<JobId> after{};  // at most kMaxAfter
    bool after_any_outcome = false;
    std::string queue{};
    std::string type_name{};             // a custom job's type; "ssh" for a job on another host
    std::string location{};              // empty: this host's name
    std::string external_id{};           // cut to fit the slot
    std::uint32_t throttle_limit = 0;    // a foreach parent run by a host: its -j
    bool has_finish_hook = false;        // its launcher keeps one (table/finish_hook.hpp)
    std::uint16_t attempts_allowed = 0;  // 1 + its retries; 0: none
    std::int32_t priority = 0;
    std::vector<std::string> labels{};  // checked (check_labels)
    std::string child_suffix{};         // an unnamed child: PARENT:<child_suffix> instead of PARENT:<n>
};

class JobTable {
public:
    JobTable(RepositoryLocation location, std::unique_ptr<Segment> segment);
    ~JobTable();

    const std::string& name() const { return location_.name; }
    const RepositoryLocation& location() const { return location_; }
    std::uint32_t capacity() const;
    // <spool>/<id>: where a job's output lives.
    std::filesystem::path job_directory(JobId id) const;

    // Registers a job (NotStarted).
    // Errors: invalid_argument (a bad name), repository_full.
    JobInfo add(const NewJob& job);
    // Registers a parent and its children (NotStarted), all of them or none:
    // in one critical section, and only once the table has room for them all
    // (free slots, plus the slots that evicting finished jobs whose output
    // was received would free). The children get the parent's id as
    // parent_id and the ids that follow it, in order: parent.id + 1, + 2...
    // A child without a name is named after the parent: NAME:1, NAME:2...
    // Errors: invalid_argument (a bad name); repository_full (nothing was
    // registered, nothing evicted).
    JobInfo add_family(const NewJob& parent, const std::vector<NewJob>& children);
    // Registers more children of an existing parent, all of them or none, as
    // add_family does; unnamed ones are NAME:first_number, and on. Returns
    // the first child's id (the others follow it), or 0 (nothing registered)
    // when the parent is gone, finished or asked to stop. Children of a
    // suspended parent are registered suspended (held back) too.
    // Errors: as add_family.
    JobId add_children(JobId parent, const std::vector<NewJob>& children, std::size_t first_number);
    std::optional<JobInfo> find(JobId id) const;
    std::vector<JobInfo> list() const;  // by id
    // The same jobs as list(), handed to `visit` one at a time, by id, as
    // each slot is read: what is kept meanwhile is an id and a slot number
    // per job, not a copy of the table. `visit` returns false to stop.
    // `before_first`, if given, is told the highest id that may come first.
    void visit_by_id(const std::function<bool(const JobInfo&)>& visit,
                     const std::function<void(JobId highest)>& before_first = nullptr) const;
    // Queries answered by the index (segment_layout.hpp, "The index"),
    // whatever the size of the table:
    //   The children of any of `parents` (sorted), by id.
    std::vector<JobInfo> children_of(const std::vector<JobId>& parents) const;
    //   Whether a child of `parent` has output not yet received (it stops at the first).
    bool child_has_more_data(JobId parent) const;
    //   The jobs named `name`, by id.
    std::vector<JobInfo> find_named(const std::string& name) const;
    //   How many jobs may own an output folder: those with output, and the
    //   unfinished (which may be making one). Read without the lock, so only
    //   an estimate while others change the table.
    std::size_t possible_output_owners() const;
    // An unfinished job that runs after one of `ids` (sorted), if any: no
    // work while no job waits for another, else a walk of the slots in
    // place (a word or two of each; only the one returned is copied).
    std::optional<JobInfo> unfinished_after(const std::vector<JobId>& ids) const;
    // What the index says that a scan of the slots does not, or empty (tests).
    std::string index_mismatch() const;
    // Every job with its state history, by id (what a watcher reports).
    std::vector<JobRecord> list_with_history() const;
    std::vector<JobSlot> copy_slots() const;  // every job's slot, in slot order
    // The id the next job will get: every job listed after this call whose
    // id is below it existed before the call.
    JobId next_id() const;
    // Frees the job's slot (its id is never reused). False if it was not there.
    bool erase(JobId id);

    // What a change is, for those who watch for it.
    enum class Change { ordinary, control_request };

    // Change notification: read the counter, check your condition, then wait
    // on the value you read. A change in between makes the wait return at once.
    // `Changes::of_state` leaves out output appended and output received,
    // the most frequent changes by far: waiting for jobs to finish needs only
    // the rest.
    enum class Changes { any, of_state };
    std::uint32_t change_count(Changes which = Changes::any) const;
    void wait_for_change(std::uint32_t seen, std::chrono::nanoseconds timeout,
                         Changes which = Changes::any) const;
    // Wakes every waiter, whatever it waits for.
    void notify_change() const;

    // Errors: repository_unusable when the table file is no longer the one
    // mapped, whole (truncated, replaced, removed). Called before a job's
    // absence is taken for its removal: a shrunk table whose pages still
    // read (as zeros) looks empty.
    void check_intact() const;

    // How many stops, suspends and resumes were ever requested here; a host
    // of thread jobs checks its jobs' flags only when this moved.
    std::uint32_t control_request_count() const;
    // Sleeps while the count is `seen` (at most `timeout`, and a second):
    // what a host of thread jobs waits on, so that the starts and ends of
    // jobs, which are far more frequent, do not wake it. A request wakes it
    // after the request's critical section.
    void wait_for_control_request(std::uint32_t seen, std::chrono::nanoseconds timeout) const;
    // Wakes every host asleep on the count (after a request moved it).
    void wake_control_watchers() const;
    // Moves the count and wakes them: a host shutting down wakes its own
    // watcher so (the others look at their flags once more, and find nothing).
    void wake_control_watchers_to_look_again() const;

    // Queues (table/queue_table.cpp; the waiting is process_jobs/start_gate).
    struct QueueTurn {
        enum class Outcome {
            admitted,    // the job is Running now: it holds one of its queue's slots
            waiting,     // it is in line (Blocked)
            not_waiting  // it is gone, finished, or asked to stop
        } outcome;
        // Whose end may bring the turn: the job just ahead in line or, for
        // the first in line, the jobs holding the queue's slots.
        std::vector<JobInfo> ahead;
    };
    // In one critical section: admits the Blocked job `id` (Running) if its
    // queue has a free slot and no job ahead of it in line; otherwise puts
    // it in line (with a reason saying so if the queue is paused: 0 slots).
    // A job is ahead when it got in line with a lower id.
    QueueTurn take_queue_turn(JobId id);
    // Errors: repository_full (kMaxQueues queues already have a limit).
    void set_queue_slots(const std::string& queue, std::uint32_t slots);
    // The owners (pid, start time) of the first free-slots + 1 jobs in line
    // in `queue`, in order: whose turn may have come (see pass_queue_turn).
    // One pass over the raw slots: it runs at every end of a queued job.
    std::vector<ProcessIdentity> next_in_line(const std::string& queue) const;
    // Every queue with a limit set, and its slots (0: paused).
    std::vector<std::pair<std::string, std::uint32_t>> queue_limits() const;
    // The queue's Blocked jobs in the order it admits them (a job still
    // waiting for the jobs it runs after included, at its place).
    std::vector<JobInfo> queue_line(const std::string& queue) const;

    // Fills in the table's part of `info`: capacity, slots in use, layout, boot.
    void describe_table(RepositoryInfo& info) const;

    // The history (jobctl/job_history.hpp): a line appended for each job
    // that ends, by the process that ended it (JobLifecycle::record_history).
    const HistoryFile& history() const { return *history_; }
    // The size at which the history file is rotated; 0: none is kept.
    std::uint64_t history_limit() const;
    void set_history_limit(std::uint64_t bytes);
    // The output cap of a process job whose start set none; 0: none.
    std::uint64_t default_max_output() const;
    void set_default_max_output(std::uint64_t bytes);
    // Every job that still waits for its history line: whoever ended it
    // is writing it, or died (or was stopped) before it could, and then
    // another process writes it (JobLifecycle::record_history). A walk of
    // the slots in place, without the lock.
    std::vector<JobInfo> history_lines_pending() const;
    // The job `id`, if it still waits for its history line (one lookup).
    std::optional<JobInfo> history_line_left(JobId id) const;
    // Waits (at most `timeout`) until none of `ids` that ended in the last
    // 10 s waits for its history line: what a removal does first, so that
    // a job removed at once (`run`) is in the history when it returns, and
    // a reader for the lines of jobs that ended a moment ago.
    void wait_for_history_lines(const std::vector<JobId>& ids, std::chrono::nanoseconds timeout) const;

private:
    // The raw write, for the named operations of the job lifecycle (and
    // tests that damage slots) only: nothing else writes a slot.
    friend class JobLifecycle;
    friend struct SlotPatch;
    // Applies `change` to the job's slot under the lock. The slot is written
    // back (crash-safely) and waiters woken only if `change` returns true; a
    // control request (stop, suspend, resume) also moves the control-request
    // count, in the same critical section. Returns false when the job does
    // not exist.
    bool update(JobId id, const std::function<bool(JobSlot&)>& change, Change kind = Change::ordinary);
    // The same for each of `ids` (those that exist), in one critical
    // section: a family of a thousand jobs handed over in one lock round.
    // `change` is given each job's index in `ids`. Returns how many it changed.
    std::size_t update_each(const std::vector<JobId>& ids,
                            const std::function<bool(std::size_t, JobSlot&)>& change);

    // add, add_family and add_children: see job_table.cpp.
    JobId register_jobs(std::vector<JobSlot>& slots, const std::vector<bool>& unnamed, JobId existing_parent,
                        std::size_t first_number, const std::vector<std::string>& child_suffixes = {});
    // A slot as readers see it: its command whole even when the slot holds
    // only its start (table/full_command.hpp).
    JobInfo info_of(const JobSlot& slot) const;
    // The children of `parents`, each slot copied and handed to `visit`
    // until it returns false; through the spans, or a walk of every slot
    // (visit_children_walked, false when stopped) for a span too wide.
    void visit_children(const std::vector<JobId>& parents,
                        const std::function<bool(const JobSlot&)>& visit) const;
    bool visit_children_walked(const std::vector<JobId>& parents,
                               const std::function<bool(const JobSlot&)>& visit) const;
    // The fallback of find_named: a walk of every slot.
    std::vector<JobInfo> named_in_listing(const std::string& name) const;
    void keep_full_command(JobId id, const std::string& command) const;
    // Appends the history line of `ended`, a job just ended (unless no
    // history is kept: false then, or when it could not be written).
    // Called after the lock is let go (JobLifecycle::record_history).
    bool append_history(const JobInfo& ended) const;
    void notify(bool of_state) const;
    std::atomic<std::uint32_t>& counter(Changes which) const;

    RepositoryLocation location_;
    std::unique_ptr<Segment> segment_;
    std::unique_ptr<HistoryFile> history_;
};

// The table behind `repository`: how the library reaches it (Repository
// keeps it private; its public header names no function that hands it out).
JobTable& table_of(const Repository& repository);

// The name of a parent's child `number` (from 1): "NAME:number", NAME cut so
// that the whole fits in Repository::kMaxNameLength bytes.
std::string child_job_name(const std::string& parent_name, std::size_t number);
// The same with another tail than the number: "NAME:tail" (a host).
std::string child_job_name(const std::string& parent_name, const std::string& tail);

}  // namespace jobctl::detail
