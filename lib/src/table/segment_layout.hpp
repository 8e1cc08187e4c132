#pragma once
#if !defined(JOBCTL_TABLE_INTERNALS)
#error "the slot layout is table/'s own: change a job through table/job_lifecycle.hpp"
#endif
// The bytes of a repository segment. Plain data only: no pointers, no heap,
// so every process can map the segment at any address. Every process of the
// user maps it MAP_SHARED and keeps to the protocol written above the structs.

#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "jobctl/job.hpp"
#include "table/slot_limits.hpp"

namespace jobctl::detail {

inline constexpr std::uint64_t kSegmentMagic = 0x314c5254434a424aULL;  // "JBJCTRL1"
inline constexpr std::uint32_t kLayoutVersion = 12;  // 2: stop count, high-water mark; 3: state_counter;
                                                     // 4: boot id; 5: job control; 6: state history,
                                                     // progress; 7: custom job types, external id; 8:
                                                     // slot sequence (unlocked readers), pid
                                                     // namespaces, outcome received, lock holder; 9:
                                                     // resources; 10: the index; 11: a foreach
                                                     // parent's throttle limit; 12: attempts,
                                                     // priority, labels

// The lock
// --------
// SegmentHeader::lock is a process-shared, robust pthread mutex, taken through
// SegmentLock. It guards every write of `next_id`, `slot_limit`, `journal`,
// `queues` and every byte of every slot: only its holder writes them. Readers
// do not take it (below). Its holder defers job-control stops (SIGTSTP,
// SIGTTIN, SIGTTOU) until it lets go, and records itself in
// `lock_holder_tid` and `lock_holder_pid_namespace` just after taking it: a
// waiter in another pid namespace never takes it for dead (its tid means
// nothing there), and a waiter of over a second names it (pid and state). A critical
// section copies slots in or out and writes slots only through write_slot:
// one (update, erase, add of a single job), or several when a full table
// evicts whole families or a family (a parent and its children) is
// registered at once (JobTable::add_family, add_children); see "Crash
// repair" for what a crash between two of them leaves. It makes no system
// call that can block.
//
// Read without the lock
// ---------------------
// Slots are read without the lock, so that a reader stopped or slow in the
// middle of a listing blocks nobody. Each slot has a sequence lock
// (`sequence`, table/slot_sequence.hpp): write_slot makes it odd, stores
// the slot's words (atomic, relaxed), and makes it two more than before
// (release). A reader loads it (acquire), copies the words, fences
// (acquire) and loads it again: the copy is whole only if both loads are
// the same even number, else it copies again. A writer that died mid-write
// leaves it odd: after a few hundred tries the reader takes the lock, and
// the repair moves the sequence of every odd slot on. A repair restoring a
// slot from the journal gives it a sequence it never had before, so a copy
// begun before the crash is never taken for whole. `next_id` and
// `slot_limit` are loaded atomically (acquire; the holder stores them with
// release); a listing leaves out ids at or above the `next_id` it read
// first, so a family being registered is listed whole or not at all. A
// reader that finds the lock marked FUTEX_OWNER_DIED takes it once (which
// repairs) before it reads.
//
// `magic`, `layout_version`, `header_size`, `slot_size` and `capacity` are
// written once, before the segment file is linked under its name
// (create_segment), and never again. An opener checks them unlocked; from
// then on it uses its own validated copy of the capacity.
//
// `boot_id` and `reboots_survived` are written at creation and then only by
// recover_after_reboot, which runs under an exclusive flock() on the table
// file (not under the mutex: the mutex of an old boot may be held forever by
// a thread that no longer exists). It writes `boot_id` last, after a release
// fence; an opener reads `boot_id` unlocked and, if it is the current boot,
// goes on after an acquire fence, seeing the recovered table. An opener that
// finds another boot takes the flock and looks again, so exactly one process
// recovers.
//
// The three counters are atomics, used without the lock. They carry no data:
// they only say "look again", and every decision is taken on slots read
// under the lock. They may wrap.
//  - `change_counter` is bumped after every change, `state_counter` after
//    every change other than one that only moves `output_bytes` or
//    `read_offset` (update compares the slot before and after). The writer
//    bumps them with fetch_add (acq_rel) after it has released the lock, then
//    futex-wakes all waiters (notify_change bumps and wakes both; OwnerWatch
//    also calls it when an owner dies, and a host when it shuts down).
//    repair_after_dead_owner bumps both (seq_cst, no wake) under the lock.
//    A waiter loads one (acquire), reads the slots under the lock and, if
//    its condition does not hold yet, futex-waits on the value it loaded. No
//    wake-up is lost: a change that the locked read did not see is made
//    after it, so its bump comes after the load, and the futex wait either
//    finds another value or is woken.
//  - `control_request_count` is bumped (fetch_add, seq_cst) under the lock, in
//    the critical section in which request_stop sets `stop_requested` (or
//    request_suspend / request_resume set or clear `suspend_requested`); the
//    requester futex-wakes its waiters after it let go of the lock (and so
//    does a locker that repaired, since the repair bumps it too). A
//    thread-job host's watcher sleeps on it alone, not on `state_counter`,
//    so that the starts and ends of jobs do not wake it: it loads the count
//    (acquire), reads its jobs' stop and suspend flags only when the count
//    moved, and futex-waits on the value it loaded. A request after that
//    load moved the count before its wake, so the wait returns. A requester
//    killed between its unlock and its wake costs the watcher its wait's
//    bound, a second. A host shutting down moves it too, without the lock
//    (so that its own watcher, between its load and its wait, wakes): the
//    other hosts then look at their flags once more and find nothing new.
//    A pool thread
//    choosing a queued job loads the count before it reads the queued jobs'
//    suspend flags, for the same reason (thread_job_pool.cpp, take_startable).
//
// Who writes which slot field
// ---------------------------
// Always under the lock: in JobTable::add and erase, or in the operation
// of JobLifecycle (job_lifecycle.hpp) named here, which keeps the rules
// (forward-only states, the owner's check) itself; callers in brackets.
//  - JobTable::add, add_family, add_children, by the registering process:
//    the whole slot, state NotStarted (add_children: Suspended, with
//    `suspend_requested`, for the children of a suspended parent). `id`
//    (until erase), `parent_id`, `type`, `name`, `command`, `location`,
//    `created_ns`, `can_suspend`, `type_name` and `finish_hook` never change afterwards
//    (`location` and `external_id` only by a custom job's runner, below). A process job is
//    registered by its launcher (jobctl start, run) as its unclaimed owner; a
//    thread job and a foreach parent by their host, claimed.
//  - `owner_pid`, `owner_start_time`: the launcher hands a job that it still
//    owns, unclaimed, to its worker (hand_over); the worker then claims it
//    for itself and sets `owner_claimed` (claim). A Slurm job's submitter
//    hands it to its follower the same way (hand_over [hand_to_follower],
//    which the follower claims: confirm_claim); and when the follower is
//    found dead, the process that notices hands the job from the dead owner
//    (only if the slot still names it) to the running follower or a new one
//    [replace_lost_follower], which also takes any other job of the dead
//    one's when it starts.
//  - `state` Running, `began_ns`: whoever runs the job. The worker, or a
//    foreach child's pool thread (record_command [CommandRun::spawn], which
//    also sets `process_id` and `process_start_time`; unblock after the
//    start gate); a host's pool thread (begin); the foreach host for its
//    parent (begin_parent).
//  - `stop_requested`, `stop_grace_ms`, `state` Stopping: request_stop, by
//    any process (jobctl stop, a StopOnSignals watcher, a host shutting
//    down), with the control_request_count bump; and the job's runner when a
//    stop reaches it as a signal or an event (accept_stop).
//    `state` Stopping alone: the runner at the job's time limit
//    (mark_timing_out).
//  - `suspend_requested` and `state` Suspending (from Running), Suspended
//    (from NotStarted), Running or NotStarted (from Suspending or Suspended,
//    on resume): request_suspend and request_resume, by any process, with
//    the control_request_count bump.
//  - `state` Suspending, Suspended, Running as the runner's SIGSTOP and
//    SIGCONT take effect: the runner (record_command, confirm_suspended,
//    confirm_resumed), only as `suspend_requested` says (Suspended only
//    while it is set, Running only while it is clear); refuse_suspend drops
//    a request a custom runner cannot carry out. A foreach parent's
//    Suspended: confirm_suspended [settle_parent_suspension], by any
//    process that may have suspended its last running child.
//  - The outcome (a terminal `state`, `reason`, `ended_ns`, and
//    `suspend_requested` cleared: set_outcome): the job's runner (finish,
//    with `has_exit_code`, `exit_code` and `term_signal`; claim and begin
//    for a job stopped before it started), and mark_lost [Liveness::check]
//    in any process that reads or waits, for a job whose owner is gone
//    ("worker lost", "host lost"), only if the slot still names the owner
//    it found dead; append_reason then adds that its processes were killed.
//  - `owner_pid_namespace`: write_slot, never a change lambda: whenever a
//    write changes the owner, it records the writer's own pid namespace
//    (a writer only ever names an owner numbered in its own namespace).
//  - `read_offset`, `outcome_received`: receivers (mark_received); the
//    offset forward only and never past `output_bytes`, the flag once a finished job's whole output was
//    handed over (receive without --keep, run, foreach); only such a job may be evicted.
//  - `sequence`: write_slot alone (above).
//  - `state_changes` and `history`: write_slot, never a change lambda: it
//    appends a step whenever the state byte it writes differs from the
//    slot's (for a new job, its first state at `created_ns`); the repairs
//    append theirs when they set a state (table/state_history.hpp).
//  - `output_bytes`: the one writer of the job's output log
//    (publish_output [CommandRun::pump, JobOutput::publish]; it only grows).
//  - `has_progress`, `progress_ppm`, `progress_text`: the job's runner
//    (publish_progress [JobContext::progress, CustomJob::progress]).
//  - `location`, `external_id`, and the state, reason and outcome of a
//    custom job: its runner (set_location, set_external_id,
//    set_runner_state, finish [CustomJob], the process that owns it), and
//    Liveness as for any job. A Slurm job's follower also shows Suspended a
//    job that Slurm suspended by itself (an administrator's scontrol
//    suspend), with `suspend_requested` clear.
//  - JobTable::erase, by whoever removes the job (remove_job; start's
//    roll-back when the worker cannot be started, or when sbatch refuses a
//    Slurm job): the whole slot, zeroed.
//
// Disk blocks
// -----------
// The file has its whole size (segment_size) from creation, but is sparse:
// create_segment gives blocks to the header's pages only. A slot is never
// read or written under the lock before its blocks are reserved (a page of
// a MAP_SHARED file first written on a full disk is a SIGBUS; on tmpfs a
// first read takes a page too). JobTable::register_jobs reserves
// (Segment::reserve_slots, fallocate) before it takes the lock; under it,
// it reads and writes only slots below Segment::reserved_slots(): those
// below `slot_limit`, which covers only slots written, each reserved by its
// writer first, and those the process reserved itself. When it needs more,
// it lets go of the lock, reserves, and starts again. Every other write of
// a slot is of a job's slot (registered, so reserved) or of the header.
// The repairs, which look at every slot whatever `slot_limit` says, skip
// the file's holes (Segment::slots_with_data): a hole holds only zeros.
//
// Crash repair
// ------------
// write_slot copies the slot's old bytes and index into `journal`, sets
// `journal.active`, overwrites the slot and clears `active`, with a fence
// between each step: a process killed anywhere leaves either an unarmed
// journal and an untouched slot, or an armed journal that restores it. So
// every slot is whole: as before the dead process's critical section, or as
// it wrote it. A critical section that writes several slots orders them so
// that any prefix is a table repair can make whole:
//  - eviction erases a family's children before the parent: a crash leaves
//    a parent with fewer children, never orphans;
//  - a registration writes the children before a new parent, then
//    `slot_limit`, then (after a fence) `next_id` past every new id: that
//    store is its commit. Slots with ids at or above `next_id` were written
//    by a registration that did not finish.
// The next locker gets EOWNERDEAD and runs repair_after_dead_owner, which:
//  - copies `journal.before` back over slot `journal.index` if the journal is
//    armed (and the index in range);
//  - erases every slot at or above `next_id` (unless `next_id` is 0: a
//    damaged header) whose parent_id names a job that no slot holds: the
//    children of a family whose parent was never written. So a family is
//    registered whole or not at all. A single job written whole is kept (its
//    registrar died before it could use it: liveness ends it "worker lost" or
//    "host lost"), as are children added to a parent that exists (their host
//    died: they end "host lost" with it);
//  - raises `next_id` above every id in use and `slot_limit` past every used
//    slot;
//  - marks Failed, "slot repaired after a crash", any slot whose state byte
//    is not a JobState;
//  - bumps both change counters and the stop-request count (a writer killed
//    after write_slot but before update's bump of the count must not leave a
//    stop flag that hosts never look at); SegmentLock then marks the mutex
//    consistent.
// add runs the same repair when it finds `next_id` == 0 (a damaged header).
// A damaged lock gets the same repair: SegmentLock takes a lock still held
// after 50 ms, twice seen so, by a thread that does not exist, is the waiter
// itself, or belongs to a process without the table mapped, as a dead
// owner's (it sets FUTEX_OWNER_DIED in the word and wakes the waiters, as the
// kernel does when an owner dies); a live holder is waited for however long.
// An opener refuses a mutex of another kind than init_robust_mutex's.
// After a reboot, recover_after_reboot does the same slot repair, ends every
// unfinished job Failed ("lost at reboot"), initialises a fresh mutex and
// zeroes the counters.
//
// The index
// ---------
// Three answers without a walk of the slots (table/slot_index.hpp):
//  - Where job `id` is: its home slot, (id - 1) % capacity, as a rule. A
//    job placed further on (its home was taken) is counted in its home's
//    `displaced_count`, and the home's `displaced_reach` is at least how
//    far on it went. A job not at home is looked for only that far, and
//    only when the count is not 0: an id removed or never used costs one
//    probe, as a rule.
//  - The jobs of a name: a list per bucket (the name's hash modulo the
//    capacity), newest first, headed by the bucket's word in the array of
//    `capacity` words after the slots (name_heads_of), linked both ways by
//    `name_newer` and `name_older`. The array has its disk blocks from
//    the table's creation: a bucket may be any word of it.
//  - A parent's children: their ids lie from `first_child` to `last_child`
//    (a family's follow the parent; add_children widens the span before it
//    writes the new ones). An id in the span that is not a child (a job
//    registered meanwhile by someone else) is told apart by its parent_id.
// They change under the lock only, with the slots they describe. A
// registration counts displaced jobs in their homes before it writes the
// jobs and links the names after; an erase unlinks the name first and
// uncounts after. A crash between two writes leaves a count too high (a
// longer look) or a job missing from its name's list, never a job that its
// id does not find, and the repairs (a dead lock holder, a reboot) build
// the whole index again from the slots. write_slot keeps the place's words
// (displaced_count, displaced_reach) whoever writes the job in the slot:
// only the index's own writes change them. A bucket's head is one word,
// stored atomically. An unlocked reader
// that follows a name's list to a job that is gone (erased meanwhile) or
// finds a link that does not point back lists the table instead.
//
// Layout version
// --------------
// An opener checks `magic`, `layout_version`, `header_size`, `slot_size`,
// `capacity` and the file's size, and refuses any mismatch as
// repository_unusable. So any change to the size or offset of any field of
// SegmentHeader, SlotJournal or JobSlot, or to the meaning of a field or of
// its values (a new JobState, a flag's sense, a counter's unit), bumps
// kLayoutVersion. The static_asserts after the structs pin every size and
// offset of the current version: a layout change that forgets the version
// does not compile.

// One state a job entered, and when.
struct StateStep {
    std::int64_t at_ns;  // system clock
    std::uint8_t state;  // JobState
    std::uint8_t padding[7];
};

// One job. id == 0 marks a free slot. Strings are NUL-terminated and
// truncated to fit (see copy_truncated).
struct JobSlot {
    std::uint32_t id;
    std::uint32_t parent_id;
    std::uint8_t type;   // JobType
    std::uint8_t state;  // JobState
    std::uint8_t stop_requested;
    std::uint8_t has_exit_code;
    std::uint8_t owner_claimed;      // the owner itself (worker, host) has taken the job
    std::uint8_t suspend_requested;  // set by suspend, cleared by resume
    std::uint8_t after_any_outcome;  // run after `after` whatever their outcome
    std::uint8_t in_line;            // kInLine: Blocked only by its queue, waits its turn there;
                                     // kBetweenAttempts: Blocked until its next attempt, not in line
    std::int32_t exit_code;
    std::int32_t term_signal;   // 0: not killed by a signal
    std::int32_t owner_pid;     // worker or thread host
    std::uint8_t can_suspend;   // its runner acts on suspend_requested (process jobs, foreach)
    std::uint8_t has_progress;  // progress_ppm and progress_text hold the last progress reported
    // Set once a receive (or run, or foreach) handed over the finished job's
    // outcome and all of its output: only then may a full table evict it.
    std::uint8_t outcome_received;
    std::uint8_t has_resources;  // cpu_user_us, cpu_system_us and peak_rss_kib were measured
    std::uint64_t owner_start_time;
    std::int32_t process_id;  // command pid == its process group id
    std::uint32_t stop_grace_ms;
    std::uint64_t process_start_time;
    std::int64_t created_ns;
    std::int64_t began_ns;
    std::int64_t ended_ns;
    std::uint64_t output_bytes;
    std::uint64_t read_offset;
    char name[kNameSize];
    char command[kCommandSize];
    char location[kLocationSize];
    char reason[kReasonSize];
    std::uint64_t timeout_ms;        // 0: no time limit
    std::uint32_t after[kMaxAfter];  // ids of the jobs it runs after; 0 ends the list
    char queue[kQueueNameSize];      // empty: in no queue
    char cwd[kCwdSize];              // where the command runs; empty: not recorded
    // The job's change sequence number: how many states it has had (1 once
    // registered). Its last kStateHistory states are kept in `history`, state
    // number n at history[(n - 1) % kStateHistory]: a watcher that last saw
    // number k reports k + 1 .. state_changes, each once (table/state_history).
    std::uint32_t state_changes;
    std::uint32_t progress_ppm;  // millionths done (0 .. 1000000), when has_progress
    StateStep history[kStateHistory];
    char progress_text[kProgressTextSize];  // what it is doing now
    char type_name[kTypeNameSize];  // a custom job's type, "ssh" (a worker's job on another host); else empty
    char external_id[kExternalIdSize];  // the job's name in the system that runs it; may be empty
    // The pid namespace (inode of /proc/PID/ns/pid) that owner_pid and
    // process_id are numbered in; 0: not recorded (a damaged slot).
    std::uint64_t owner_pid_namespace;
    // What the finished command's processes used (ResourceUse), when has_resources.
    std::uint64_t cpu_user_us;
    std::uint64_t cpu_system_us;
    std::uint64_t peak_rss_kib;
    // The index (table/slot_index.hpp, "The index" above). Two words belong
    // to the slot's place, not to the job in it, and stay when the job goes:
    // how many jobs whose home is this slot sit elsewhere, and how far on
    // from it the furthest of them may be.
    std::uint32_t displaced_count;
    std::uint32_t displaced_reach;
    // The job's own: the next newer and older job in its name's bucket (0:
    // none), and the first and last id its children may have (0: none).
    std::uint32_t name_newer;
    std::uint32_t name_older;
    std::uint32_t first_child;
    std::uint32_t last_child;
    // A foreach parent run by a thread-job host: how many of its children
    // may run at once (its -j, changed while it runs by `queue --job`);
    // 0 pauses it. Unused (0) for every other job.
    std::uint32_t throttle_limit;
    // Its history line (table/history_file.hpp): kHistoryLinePending from
    // the write that ended the job (while the repository keeps a history)
    // until the process that ended it has appended the line, then
    // kHistoryLineWritten; `jobctl history` waits for a pending line of a
    // job that ended a moment ago. 0 otherwise (and in every table up to
    // layout 11, where these bytes were reserved and zero).
    std::uint32_t history_line;
    // Retries (RunOptions::retry): the attempt running, or the last one run
    // (1 for the first), and how many it may have (1 + its retries); both 0
    // for a job without retries. Only its runner moves `attempt`.
    std::uint16_t attempt;
    std::uint16_t attempts_allowed;
    // Its place in its queue: a higher priority is admitted first, then the
    // lower id (start --priority; changed by set_priority while it waits).
    std::int32_t priority;
    // Its labels (--label KEY=VALUE): "KEY=VALUE" entries, one per line.
    char labels[kLabelsSize];
    // The slot's sequence lock: odd while write_slot writes it, moved by 2
    // for each write. An unlocked reader copies the slot between two equal,
    // even reads of it (see "Read without the lock").
    std::uint32_t sequence;
    // Written and read as one word (slot_sequence). How its command's
    // processes are held (table/containment.hpp).
    std::uint16_t containment;
    // Registered by itself (JobTable::add), not as a family's parent: it
    // never has children (add_children refuses it).
    std::uint8_t registered_alone;
    // 1: it has a finish hook (table/finish_hook.hpp), whose command is in
    // its folder (a foreach child: in its parent's). Set at registration,
    // never changed. These bytes were spare, and 0, up to layout 11.
    std::uint8_t finish_hook;
};

// A queue's limit: at most `slots` of its jobs hold a slot (Running,
// Stopping, Suspending, Suspended) at once. A queue with no entry has 1.
struct QueueLimit {
    char name[kQueueNameSize];  // empty: a free entry
    std::uint32_t slots;
    std::uint32_t reserved;
};

// Before a slot is overwritten its old bytes are copied here. A writer that
// dies half-way leaves `active` set, and the next locker restores the slot.
struct SlotJournal {
    std::uint32_t active;
    std::uint32_t index;
    JobSlot before;
};

inline constexpr std::uint8_t kInLine = 1;  // JobSlot::in_line
inline constexpr std::uint8_t kBetweenAttempts = 2;
inline constexpr std::uint64_t kHistoryOff = ~std::uint64_t{0};
inline constexpr std::uint32_t kHistoryLinePending = 1;  // JobSlot::history_line
inline constexpr std::uint32_t kHistoryLineWritten = 2;

struct SegmentHeader {
    std::uint64_t magic;
    std::uint32_t layout_version;
    std::uint32_t header_size;
    std::uint32_t slot_size;
    std::uint32_t capacity;
    std::uint32_t next_id;
    // 1 + the highest slot index ever used: slots from here on were never
    // written, so scans stop here (and never fault in the untouched pages).
    std::uint32_t slot_limit;
    // The boot this table belongs to. The first open after a reboot (one
    // process, under a file lock) re-initialises the lock and counters, ends
    // the jobs that were unfinished, counts itself in `reboots_survived`, and
    // writes the new boot id last (release): a reader that sees the current
    // boot id sees a table that is ready.
    char boot_id[kBootIdSize];
    std::uint32_t reboots_survived;
    // Who holds the lock: its thread id as the lock word has it, and the pid
    // namespace that id is numbered in, written by the holder just after it
    // took the lock and cleared before it lets go. A waiter in another
    // namespace never takes the holder for dead (segment_lock.cpp).
    std::uint32_t lock_holder_tid;
    std::uint64_t lock_holder_pid_namespace;
    // How many jobs are unfinished and run after another, and how many may
    // own a folder in the spool (have output, are unfinished, are process
    // jobs, which keep their arguments there, or have a finish hook): kept by
    // write_slot, counted again by the repairs. When one is 0, the walk it
    // stands for is not needed.
    std::uint32_t waiting_jobs;
    std::uint32_t output_owners;
    // How large the history file may grow before it is rotated, in bytes
    // (table/history_file.hpp); kHistoryOff: none is kept. Written under the
    // lock, read without it (a relaxed load of one aligned word). These bytes
    // were padding up to layout 11 and are zero in those tables: 0 is the
    // default, Repository::kDefaultHistoryLimit.
    std::uint64_t history_limit;
    // How much of a process job's output is kept when its start sets no cap
    // (RunOptions::max_output), in bytes; 0: no cap. Written under the
    // lock, read without it, as history_limit. Padding, and so 0, up to
    // layout 11.
    std::uint64_t default_max_output;
    // Bumped (then futex-woken) after every change; waiters sleep on it.
    alignas(64) std::atomic<std::uint32_t> change_counter;
    // Bumped after a stop, suspend or resume is requested, so that hosts of
    // thread jobs look at their jobs' flags only when there can be a new one.
    std::atomic<std::uint32_t> control_request_count;
    // Bumped only by changes other than output: what `wait` sleeps on, so
    // that a chatty job does not wake every waiter once per chunk it prints.
    std::atomic<std::uint32_t> state_counter;
    alignas(64) pthread_mutex_t lock;  // process-shared and robust
    SlotJournal journal;
    QueueLimit queues[kMaxQueues];  // under the lock
};

// A slot's state byte holds a JobState; read and write it only through these.
inline JobState state_of(const JobSlot& slot) {
    return static_cast<JobState>(slot.state);
}
inline void set_state(JobSlot& slot, JobState state) {
    slot.state = static_cast<std::uint8_t>(state);
}
inline bool is_finished(const JobSlot& slot) {
    return is_terminal(state_of(slot));
}
// A state byte that is a JobState (a damaged slot may hold anything).
inline bool has_known_state(const JobSlot& slot) {
    return slot.state >= static_cast<std::uint8_t>(JobState::not_started) &&
           slot.state <= static_cast<std::uint8_t>(JobState::suspended);
}

static_assert(std::is_trivially_copyable_v<JobSlot>);
// Slots are compared byte for byte (job_table.cpp: only_output_moved); the
// bytes of hidden padding are unspecified after a copy.
static_assert(std::has_unique_object_representations_v<JobSlot>);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

// The layout of version 12, field by field (see "Layout version" above).
#define JOBCTL_SHARED_FIELD(type, field, offset, size)                                \
    static_assert(offsetof(type, field) == (offset) && sizeof(type::field) == (size), \
                  "the shared layout changed: bump kLayoutVersion and update these asserts")
static_assert(kLayoutVersion == 12, "kLayoutVersion changed: update these asserts to the new layout");

static_assert(sizeof(JobSlot) == 1448 && alignof(JobSlot) == 8,
              "the shared layout changed: bump kLayoutVersion and update these asserts");
JOBCTL_SHARED_FIELD(JobSlot, id, 0, 4);
JOBCTL_SHARED_FIELD(JobSlot, parent_id, 4, 4);
JOBCTL_SHARED_FIELD(JobSlot, type, 8, 1);
JOBCTL_SHARED_FIELD(JobSlot, state, 9, 1);
JOBCTL_SHARED_FIELD(JobSlot, stop_requested, 10, 1);
JOBCTL_SHARED_FIELD(JobSlot, has_exit_code, 11, 1);
JOBCTL_SHARED_FIELD(JobSlot, owner_claimed, 12, 1);
JOBCTL_SHARED_FIELD(JobSlot, suspend_requested, 13, 1);
JOBCTL_SHARED_FIELD(JobSlot, after_any_outcome, 14, 1);
JOBCTL_SHARED_FIELD(JobSlot, in_line, 15, 1);
JOBCTL_SHARED_FIELD(JobSlot, exit_code, 16, 4);
JOBCTL_SHARED_FIELD(JobSlot, term_signal, 20, 4);
JOBCTL_SHARED_FIELD(JobSlot, owner_pid, 24, 4);
JOBCTL_SHARED_FIELD(JobSlot, can_suspend, 28, 1);
JOBCTL_SHARED_FIELD(JobSlot, has_progress, 29, 1);
JOBCTL_SHARED_FIELD(JobSlot, outcome_received, 30, 1);
JOBCTL_SHARED_FIELD(JobSlot, has_resources, 31, 1);
JOBCTL_SHARED_FIELD(JobSlot, owner_start_time, 32, 8);
JOBCTL_SHARED_FIELD(JobSlot, process_id, 40, 4);
JOBCTL_SHARED_FIELD(JobSlot, stop_grace_ms, 44, 4);
JOBCTL_SHARED_FIELD(JobSlot, process_start_time, 48, 8);
JOBCTL_SHARED_FIELD(JobSlot, created_ns, 56, 8);
JOBCTL_SHARED_FIELD(JobSlot, began_ns, 64, 8);
JOBCTL_SHARED_FIELD(JobSlot, ended_ns, 72, 8);
JOBCTL_SHARED_FIELD(JobSlot, output_bytes, 80, 8);
JOBCTL_SHARED_FIELD(JobSlot, read_offset, 88, 8);
JOBCTL_SHARED_FIELD(JobSlot, name, 96, 64);
JOBCTL_SHARED_FIELD(JobSlot, command, 160, 256);
JOBCTL_SHARED_FIELD(JobSlot, location, 416, 64);
JOBCTL_SHARED_FIELD(JobSlot, reason, 480, 128);
JOBCTL_SHARED_FIELD(JobSlot, timeout_ms, 608, 8);
JOBCTL_SHARED_FIELD(JobSlot, after, 616, 32);
JOBCTL_SHARED_FIELD(JobSlot, queue, 648, 32);
JOBCTL_SHARED_FIELD(JobSlot, cwd, 680, 256);
JOBCTL_SHARED_FIELD(JobSlot, state_changes, 936, 4);
JOBCTL_SHARED_FIELD(JobSlot, progress_ppm, 940, 4);
JOBCTL_SHARED_FIELD(JobSlot, history, 944, 128);
JOBCTL_SHARED_FIELD(JobSlot, progress_text, 1072, 64);
JOBCTL_SHARED_FIELD(JobSlot, type_name, 1136, 16);
JOBCTL_SHARED_FIELD(JobSlot, external_id, 1152, 32);
JOBCTL_SHARED_FIELD(JobSlot, owner_pid_namespace, 1184, 8);
JOBCTL_SHARED_FIELD(JobSlot, cpu_user_us, 1192, 8);
JOBCTL_SHARED_FIELD(JobSlot, cpu_system_us, 1200, 8);
JOBCTL_SHARED_FIELD(JobSlot, peak_rss_kib, 1208, 8);
JOBCTL_SHARED_FIELD(JobSlot, displaced_count, 1216, 4);
JOBCTL_SHARED_FIELD(JobSlot, displaced_reach, 1220, 4);
JOBCTL_SHARED_FIELD(JobSlot, name_newer, 1224, 4);
JOBCTL_SHARED_FIELD(JobSlot, name_older, 1228, 4);
JOBCTL_SHARED_FIELD(JobSlot, first_child, 1232, 4);
JOBCTL_SHARED_FIELD(JobSlot, last_child, 1236, 4);
JOBCTL_SHARED_FIELD(JobSlot, throttle_limit, 1240, 4);
JOBCTL_SHARED_FIELD(JobSlot, history_line, 1244, 4);
JOBCTL_SHARED_FIELD(JobSlot, attempt, 1248, 2);
JOBCTL_SHARED_FIELD(JobSlot, attempts_allowed, 1250, 2);
JOBCTL_SHARED_FIELD(JobSlot, priority, 1252, 4);
JOBCTL_SHARED_FIELD(JobSlot, labels, 1256, 184);
JOBCTL_SHARED_FIELD(JobSlot, sequence, 1440, 4);
JOBCTL_SHARED_FIELD(JobSlot, containment, 1444, 2);
JOBCTL_SHARED_FIELD(JobSlot, registered_alone, 1446, 1);
JOBCTL_SHARED_FIELD(JobSlot, finish_hook, 1447, 1);

static_assert(sizeof(StateStep) == 16 && alignof(StateStep) == 8,
              "the shared layout changed: bump kLayoutVersion and update these asserts");
JOBCTL_SHARED_FIELD(StateStep, at_ns, 0, 8);
JOBCTL_SHARED_FIELD(StateStep, state, 8, 1);
JOBCTL_SHARED_FIELD(StateStep, padding, 9, 7);

static_assert(sizeof(QueueLimit) == 40 && alignof(QueueLimit) == 4,
              "the shared layout changed: bump kLayoutVersion and update these asserts");
JOBCTL_SHARED_FIELD(QueueLimit, name, 0, 32);
JOBCTL_SHARED_FIELD(QueueLimit, slots, 32, 4);
JOBCTL_SHARED_FIELD(QueueLimit, reserved, 36, 4);

static_assert(sizeof(SlotJournal) == 1456 && alignof(SlotJournal) == 8,
              "the shared layout changed: bump kLayoutVersion and update these asserts");
JOBCTL_SHARED_FIELD(SlotJournal, active, 0, 4);
JOBCTL_SHARED_FIELD(SlotJournal, index, 4, 4);
JOBCTL_SHARED_FIELD(SlotJournal, before, 8, 1448);

// The mutex is glibc's pthread_mutex_t (40 bytes on x86-64: the journal at
// 232, the queues at 1688, the header 3008 bytes); the offsets after it
// follow from its size.
static_assert(sizeof(SegmentHeader) == (192 + sizeof(pthread_mutex_t) + 1456 + 1280 + 63) / 64 * 64 &&
                  alignof(SegmentHeader) == 64,
              "the shared layout changed: bump kLayoutVersion and update these asserts");
JOBCTL_SHARED_FIELD(SegmentHeader, magic, 0, 8);
JOBCTL_SHARED_FIELD(SegmentHeader, layout_version, 8, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, header_size, 12, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, slot_size, 16, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, capacity, 20, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, next_id, 24, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, slot_limit, 28, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, boot_id, 32, 40);
JOBCTL_SHARED_FIELD(SegmentHeader, reboots_survived, 72, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, lock_holder_tid, 76, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, lock_holder_pid_namespace, 80, 8);
JOBCTL_SHARED_FIELD(SegmentHeader, waiting_jobs, 88, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, output_owners, 92, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, history_limit, 96, 8);
JOBCTL_SHARED_FIELD(SegmentHeader, default_max_output, 104, 8);
JOBCTL_SHARED_FIELD(SegmentHeader, change_counter, 128, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, control_request_count, 132, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, state_counter, 136, 4);
JOBCTL_SHARED_FIELD(SegmentHeader, lock, 192, sizeof(pthread_mutex_t));
JOBCTL_SHARED_FIELD(SegmentHeader, journal, 192 + sizeof(pthread_mutex_t), 1456);
JOBCTL_SHARED_FIELD(SegmentHeader, queues, 192 + sizeof(pthread_mutex_t) + 1456, 1280);
#undef JOBCTL_SHARED_FIELD

inline JobSlot* slots_of(SegmentHeader* header) {
    return reinterpret_cast<JobSlot*>(reinterpret_cast<char*>(header) + sizeof(SegmentHeader));
}

// The heads of the name buckets, one word each, after the slots.
inline std::uint32_t* name_heads_of(SegmentHeader* header, std::uint32_t capacity) {
    return reinterpret_cast<std::uint32_t*>(slots_of(header) + capacity);
}

constexpr std::size_t segment_size(std::uint32_t capacity) {
    return sizeof(SegmentHeader) + std::size_t{capacity} * (sizeof(JobSlot) + sizeof(std::uint32_t));
}

// The bytes of the file that hold the name heads, in whole pages (from the
// one the last slot ends in): they get their blocks with the new table.
constexpr std::size_t name_heads_pages_from(std::uint32_t capacity, std::size_t page) {
    return (sizeof(SegmentHeader) + std::size_t{capacity} * sizeof(JobSlot)) / page * page;
}
constexpr std::size_t name_heads_blocks(std::uint32_t capacity, std::size_t page) {
    return (segment_size(capacity) - name_heads_pages_from(capacity, page) + page - 1) / page * page;
}

// Copies text into a fixed field, truncating at a UTF-8 boundary; always terminated.
template <std::size_t N>
void copy_truncated(char (&field)[N], std::string_view text) {
    std::size_t length = text.size() < N ? text.size() : N - 1;
    if (length < text.size())
        while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) --length;
    for (std::size_t i = 0; i < length; ++i) field[i] = text[i];
    for (std::size_t i = length; i < N; ++i) field[i] = '\0';
}

// Reads a fixed field that may be damaged (missing terminator).
template <std::size_t N>
std::string read_field(const char (&field)[N]) {
    std::size_t length = 0;
    while (length < N && field[length] != '\0') ++length;
    return std::string(field, length);
}

}  // namespace jobctl::detail
