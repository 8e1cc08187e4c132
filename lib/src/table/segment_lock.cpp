#include "table/segment_lock.hpp"

#include <linux/futex.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_set>
#include <vector>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "system/clock.hpp"
#include "system/namespaces.hpp"
#include "table/crash_points.hpp"
#include "table/futex.hpp"
#include "table/slot_index.hpp"
#include "table/slot_sequence.hpp"
#include "table/state_history.hpp"
#include "table/stop_deferral.hpp"

namespace jobctl::detail {

namespace {

// The word of a robust mutex (glibc, Linux): the owner's thread id and two flags.
constexpr std::uint32_t kFutexWaiters = 0x80000000;
constexpr std::uint32_t kFutexOwnerDied = 0x40000000;
constexpr std::uint32_t kFutexTidMask = 0x3fffffff;

// Far longer than any critical section: after this, the holder is looked at.
constexpr long kPatienceNs = 50'000'000;
// After this many patiences (a second), the waiter says who it waits for.
constexpr int kPatienceForNotice = 20;

// True when thread `tid` is of a process that has the table mapped, the only
// kind of thread that can hold its lock. (This thread is waiting for the lock,
// so it cannot hold it either.)
bool could_hold_lock(pid_t tid, const Segment& segment) {
    if (tid == ::gettid()) return false;
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/maps", static_cast<int>(tid));
    std::FILE* maps = std::fopen(path, "re");
    if (maps == nullptr) return false;  // gone (or not ours to read: another user's)
    bool mapped = false;
    char line[4096];
    while (!mapped && std::fgets(line, sizeof line, maps) != nullptr) {
        unsigned major_number = 0, minor_number = 0;
        unsigned long long inode = 0;
        if (std::sscanf(line, "%*x-%*x %*s %*x %x:%x %llu", &major_number, &minor_number, &inode) == 3)
            mapped = inode == segment.inode() && major_number == major(segment.device()) &&
                     minor_number == minor(segment.device());
    }
    std::fclose(maps);
    return mapped;
}

// The holder the lock word names is of another pid namespace: its tid means
// nothing here, and its death is for the kernel (or a process that sees it)
// to tell. The holder records itself just after it takes the lock
// (record_holder); a word that names another tid than the record is judged
// as before, here.
bool holder_in_other_namespace(const SegmentHeader& header, pid_t owner) {
    auto tid = static_cast<pid_t>(__atomic_load_n(&header.lock_holder_tid, __ATOMIC_ACQUIRE));
    std::uint64_t pid_namespace = __atomic_load_n(&header.lock_holder_pid_namespace, __ATOMIC_RELAXED);
    return tid == owner && !can_judge_pid_namespace(pid_namespace);
}

// "pid 4711 (jobctl), stopped": who holds the lock, for the notice.
std::string describe_holder(const SegmentHeader& header, pid_t owner) {
    if (owner == 0) return "a process that has not said who it is";
    if (holder_in_other_namespace(header, owner))
        return "thread " + std::to_string(owner) + " of another pid namespace";
    std::string description = "pid " + std::to_string(owner);
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/stat", static_cast<int>(owner));
    std::FILE* stat = std::fopen(path, "re");
    if (stat == nullptr) return description + ", which cannot be looked at";
    char line[1024] = {};
    bool read = std::fgets(line, sizeof line, stat) != nullptr;
    std::fclose(stat);
    const char* open = std::strchr(line, '(');
    const char* close = std::strrchr(line, ')');
    if (!read || open == nullptr || close == nullptr || close[1] == '\0') return description;
    description += " (" + std::string(open + 1, close) + ")";
    switch (close[2]) {
        case 'T':
        case 't':
            return description + ", stopped (continue it with: kill -CONT " + std::to_string(owner) + ")";
        case 'R':
            return description + ", running";
        case 'D':
            return description + ", waiting for the disk";
        default:
            return description + ", asleep";
    }
}

std::mutex notice_mutex;
std::function<void(const std::string&)> slow_lock_notice;  // set by the program (jobctl: stderr)

void tell_slow_lock(const Segment& segment, pid_t owner) {
    std::function<void(const std::string&)> notice;
    {
        std::lock_guard guard(notice_mutex);
        notice = slow_lock_notice;
    }
    if (notice)
        notice("waiting for the lock of " + segment.path() + ", held by " +
               describe_holder(segment.header(), owner) + "; still waiting");
}

// pthread_mutex_lock, except that a lock held past the patience by no thread
// that could hold it is marked as a dead owner's, twice seen so: the next try
// then gets EOWNERDEAD and repairs. A holder that is merely slow, or stopped,
// or of another pid namespace, is waited for; after a second of it the
// program's notice is told once who holds the lock.
int lock_table(const Segment& segment) {
    pthread_mutex_t& mutex = segment.header().lock;
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer does not intercept pthread_mutex_clocklock, nor see the
    // lock a timed lock takes with EOWNERDEAD (GCC 12): it would report every
    // lock taken under contention as never taken. Under it, a plain lock; the
    // damaged-lock repair below is tested by the other builds.
    return pthread_mutex_lock(&mutex);
#endif
    int result = pthread_mutex_trylock(&mutex);  // the usual case: free, no clock read
    if (result != EBUSY) return result;
    auto* word = reinterpret_cast<std::uint32_t*>(&mutex.__data.__lock);
    std::uint32_t suspect = 0;
    int patience_spent = 0;
    for (;;) {
        timespec deadline{};
        ::clock_gettime(CLOCK_MONOTONIC, &deadline);
        deadline.tv_nsec += kPatienceNs;
        if (deadline.tv_nsec >= 1'000'000'000) {
            deadline.tv_nsec -= 1'000'000'000;
            ++deadline.tv_sec;
        }
        result = pthread_mutex_clocklock(&mutex, CLOCK_MONOTONIC, &deadline);
        if (result != ETIMEDOUT) return result;
        std::uint32_t seen = __atomic_load_n(word, __ATOMIC_ACQUIRE);
        auto owner = static_cast<pid_t>(seen & kFutexTidMask);
        if (++patience_spent == kPatienceForNotice) tell_slow_lock(segment, owner);
        if (seen == 0 || (seen & kFutexOwnerDied) != 0 ||
            holder_in_other_namespace(segment.header(), owner) ||
            (owner != 0 && could_hold_lock(owner, segment))) {
            suspect = 0;
            continue;
        }
        if (seen != suspect) {  // once more, before anything is done about it
            suspect = seen;
            continue;
        }
        // What the kernel does when a robust mutex's owner dies: mark the
        // word and wake the waiters.
        std::uint32_t dead = (seen & kFutexWaiters) | kFutexOwnerDied;
        if (__atomic_compare_exchange_n(word, &seen, dead, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
            ::syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
        suspect = 0;
    }
}

[[noreturn]] void throw_damaged_lock(const Segment& segment, const std::string& why) {
    throw Error(ErrorCode::repository_unusable,
                "the lock of the repository's table " + segment.path() + " is damaged (" + why +
                    "); remove the table to start afresh (its jobs are lost)");
}

}  // namespace

namespace {

// Job-control stops (Ctrl-Z, a background read or write of the terminal)
// wait until the lock is let go: a process stopped inside the lock would
// stop every other. SIGSTOP cannot be deferred; a stopped holder is named
// by the waiters' notice.
sigset_t job_control_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTSTP);
    sigaddset(&set, SIGTTIN);
    sigaddset(&set, SIGTTOU);
    return set;
}

void record_holder(SegmentHeader& header) {
    __atomic_store_n(&header.lock_holder_pid_namespace, own_pid_namespace(), __ATOMIC_RELAXED);
    __atomic_store_n(&header.lock_holder_tid, static_cast<std::uint32_t>(::gettid()), __ATOMIC_RELEASE);
}

void clear_holder(SegmentHeader& header) {
    __atomic_store_n(&header.lock_holder_tid, 0u, __ATOMIC_RELEASE);
}

}  // namespace

void repair_if_owner_died(const Segment& segment) {
    const auto* word = reinterpret_cast<const std::uint32_t*>(&segment.header().lock.__data.__lock);
    if ((__atomic_load_n(word, __ATOMIC_ACQUIRE) & kFutexOwnerDied) != 0) SegmentLock lock(segment);
}

void set_slow_lock_notice(std::function<void(const std::string&)> notice) {
    std::lock_guard guard(notice_mutex);
    slow_lock_notice = std::move(notice);
}

SegmentLock::SegmentLock(const Segment& segment) : segment_(segment) {
    static const sigset_t deferred = job_control_signals();
    enter_locked_section();
    pthread_sigmask(SIG_BLOCK, &deferred, &saved_mask_);
    int result = 0;
    try {
        result = lock_table(segment);
    } catch (...) {
        pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
        leave_locked_section();
        throw;
    }
    if (result == 0 || result == EOWNERDEAD) record_holder(segment.header());
    if (result == EOWNERDEAD) {
        repair_after_dead_owner(segment);
        pthread_mutex_consistent(&segment.header().lock);
        repaired_ = true;
    } else if (result != 0) {
        pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
        leave_locked_section();
        // A robust, shared, normal mutex returns nothing else unless damaged.
        throw_damaged_lock(segment, result == ENOTRECOVERABLE ? "not recoverable" : std::strerror(result));
    }
    reach_crash_point(testing::CrashPoint::lock_acquired);
    try {
        segment.check_intact();  // a table that shrank under us: nothing to lock any more
    } catch (...) {
        clear_holder(segment.header());
        pthread_mutex_unlock(&segment.header().lock);
        pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
        leave_locked_section();
        throw;
    }
}

SegmentLock::~SegmentLock() {
    reach_crash_point(testing::CrashPoint::before_unlock);
    clear_holder(segment_.header());
    pthread_mutex_unlock(&segment_.header().lock);
    // The repair moved the control-request count: hosts asleep on it look
    // at their flags again (a stop its dead writer set may be among them).
    if (repaired_) futex_wake_all(segment_.header().control_request_count);
    pthread_sigmask(SIG_SETMASK, &saved_mask_, nullptr);
    leave_locked_section();  // a Ctrl-Z that came meanwhile stops the process now
}

namespace {

// A writer that names an owner learned its pid in its own pid namespace
// (an owner is this process, a child it forked, or a pid it read from a
// slot of the same namespace): the slot records that namespace with it.
void record_owner_namespace(const JobSlot& before, JobSlot& after) {
    if (after.owner_pid == 0) {
        after.owner_pid_namespace = 0;
        return;
    }
    bool same_owner = before.id == after.id && before.owner_pid == after.owner_pid &&
                      before.owner_start_time == after.owner_start_time;
    if (!same_owner || after.owner_pid_namespace == 0) after.owner_pid_namespace = own_pid_namespace();
}

// Writes `value` over slot `index`, journaled (segment_layout.hpp, "Crash repair").
void write_journaled(const Segment& segment, std::uint32_t index, const JobSlot& value) {
    SlotJournal& journal = segment.header().journal;
    JobSlot& slot = segment.slots()[index];
    store_journal_copy(journal, index, slot);
    // The journal must be complete before it is armed, and armed before the
    // slot changes; a process killed between any two stores leaves either an
    // unarmed journal (slot untouched) or an armed one (slot restorable).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    __atomic_store_n(&journal.active, 1u, __ATOMIC_RELEASE);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    store_slot(slot, value);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    __atomic_store_n(&journal.active, 0u, __ATOMIC_RELEASE);
}

}  // namespace

void write_slot(const Segment& segment, std::uint32_t index, const JobSlot& written) {
    const JobSlot& slot = segment.slots()[index];
    JobSlot value = written;
    value.displaced_count = slot.displaced_count;  // the place's, not the job's
    value.displaced_reach = slot.displaced_reach;
    carry_state_history(slot, value);  // every state change numbered, whoever made it
    record_owner_namespace(slot, value);
    count_in_header(segment.header(), slot, value);
    write_journaled(segment, index, value);
}

void write_place(const Segment& segment, std::uint32_t index, std::uint32_t displaced_count,
                 std::uint32_t displaced_reach) {
    JobSlot value = segment.slots()[index];
    value.displaced_count = displaced_count;
    value.displaced_reach = displaced_reach;
    write_journaled(segment, index, value);
}

namespace {

// Erases the children of a registration that did not finish: slots at or
// above next_id (the registering critical section moves next_id past its ids
// last) whose parent slot is absent (it writes a new parent after its
// children). With next_id 0 (a damaged header) nothing tells them apart:
// nothing is erased. Only the slots `with_data` are looked at: the others
// are holes (zeros), and reading one would take a page on tmpfs.
void erase_unregistered_children(const SegmentHeader& header, JobSlot* slots,
                                 const std::vector<SlotRange>& with_data) {
    const std::uint32_t committed_below = header.next_id;
    if (committed_below == 0) return;
    std::vector<std::uint32_t> parents;  // of uncommitted children: one or two, as a rule
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < range.end; ++i)
            if (slots[i].id >= committed_below && slots[i].parent_id != 0 &&
                std::ranges::find(parents, slots[i].parent_id) == parents.end())
                parents.push_back(slots[i].parent_id);
    if (parents.empty()) return;
    std::vector<std::uint32_t> absent = parents;
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < range.end && !absent.empty(); ++i)
            if (slots[i].id != 0) std::erase(absent, slots[i].id);
    if (absent.empty()) return;
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < range.end; ++i) {
            JobSlot& slot = slots[i];
            if (slot.id < committed_below || std::ranges::find(absent, slot.parent_id) == absent.end())
                continue;
            store_slot(slot, JobSlot{});  // a repair cut short leaves it odd: the next repair ends it
        }
}

// Two slots with one id (damage: a registration cannot make them) would
// each be found by some lookups and not others, and the index built over
// them would not hold: the first in slot order keeps the id, the others
// are cleared.
void erase_duplicate_ids(JobSlot* slots, std::uint32_t capacity, const std::vector<SlotRange>& with_data) {
    std::unordered_set<std::uint32_t> seen;
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < std::min(range.end, capacity); ++i)
            if (slots[i].id != 0 && !seen.insert(slots[i].id).second) store_slot(slots[i], JobSlot{});
}

// What both repairs need: the half-written slot restored, the children of
// an unfinished registration erased, an id held twice held once, next_id above every id in use (an id
// handed out just before a crash is not given out again) and the high-water
// mark above every slot in use. Every slot is looked at, whatever
// slot_limit says (it may be damaged), except those in the file's holes.
void repair_slots(SegmentHeader& header, JobSlot* slots, std::uint32_t capacity,
                  const std::vector<SlotRange>& with_data) {
    // store_slot moves the sequence past the dead writer's odd one: a
    // reader that copied before it died sees the change and copies again.
    // (The journal names a slot that was written, so reserved.)
    if (header.journal.active != 0 && header.journal.index < capacity)
        store_slot(slots[header.journal.index], header.journal.before);
    __atomic_store_n(&header.journal.active, 0u, __ATOMIC_RELEASE);
    erase_unregistered_children(header, slots, with_data);
    erase_duplicate_ids(slots, capacity, with_data);
    std::uint32_t next_id = std::max(header.next_id, 1u);
    std::uint32_t slot_limit = header.slot_limit;
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < std::min(range.end, capacity); ++i) {
            JobSlot& slot = slots[i];
            if ((slot.sequence & 1u) != 0) store_slot(slot, JobSlot(slot));  // a writer died mid-way
            if (slot.id == 0) continue;
            if (slot.id >= next_id) next_id = slot.id + 1;
            if (i >= slot_limit) slot_limit = i + 1;
            if (!has_known_state(slot)) {
                JobSlot repaired = slot;
                set_state(repaired, JobState::failed);
                copy_truncated(repaired.reason, "slot repaired after a crash");
                record_state_step(repaired, now_ns());
                store_slot(slot, repaired);
            }
        }
    store_word(header.next_id, next_id);
    store_word(header.slot_limit, slot_limit);
    rebuild_index(header, capacity, with_data);
}

}  // namespace

bool has_robust_mutex_kind(const pthread_mutex_t& mutex) {
    pthread_mutex_t reference;
    init_robust_mutex(reference);
    bool same = __atomic_load_n(&mutex.__data.__kind, __ATOMIC_RELAXED) == reference.__data.__kind;
    pthread_mutex_destroy(&reference);
    return same;
}

void init_robust_mutex(pthread_mutex_t& mutex) {
    pthread_mutexattr_t attributes;
    pthread_mutexattr_init(&attributes);
    pthread_mutexattr_setpshared(&attributes, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attributes, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&mutex, &attributes);
    pthread_mutexattr_destroy(&attributes);
}

void repair_after_dead_owner(const Segment& segment) {
    SegmentHeader& header = segment.header();
    repair_slots(header, segment.slots(), segment.capacity(), segment.slots_with_data());
    header.change_counter.fetch_add(1);
    header.state_counter.fetch_add(1);
    header.control_request_count.fetch_add(1);  // hosts look at their stop flags again
}

namespace {

// A worker's job on another host (type "ssh") may run on there, in the
// durable mode: it is not ended, but its owner is marked gone (a pid no
// process has, in this boot's namespace), so that the next look finds its
// worker lost and the kind's hook takes it over, or ends it "worker lost"
// where it cannot be followed again (process_jobs/ssh_resume.hpp).
bool outlives_reboot(const JobSlot& slot) {
    return slot.type == static_cast<std::uint8_t>(JobType::process) && slot.owner_claimed != 0 &&
           std::string_view(slot.type_name) == "ssh";
}

void mark_owner_gone(JobSlot& slot) {
    slot.owner_pid = INT_MAX;
    slot.owner_start_time = UINT64_MAX;
    slot.owner_pid_namespace = own_pid_namespace();
}

}  // namespace

std::vector<JobId> recover_after_reboot(SegmentHeader& header, std::uint32_t capacity,
                                        std::string_view boot_id, const std::vector<SlotRange>& with_data) {
    std::vector<JobId> ended;
    JobSlot* slots = slots_of(&header);
    repair_slots(header, slots, capacity, with_data);
    std::int64_t now = now_ns();
    for (std::uint32_t i = 0; i < std::min(header.slot_limit, capacity); ++i) {
        if (slots[i].id == 0 || is_finished(slots[i])) continue;
        // Its worker or host, and the command, died with the old boot; the
        // output it wrote before that stays receivable.
        JobSlot slot = slots[i];
        if (outlives_reboot(slot)) {
            mark_owner_gone(slot);
            store_slot(slots[i], slot);
            continue;
        }
        set_state(slot, JobState::failed);
        copy_truncated(slot.reason, "lost at reboot");
        slot.ended_ns = now;
        // The opener appends its history line (JobTable's constructor).
        if (header.history_limit != kHistoryOff) slot.history_line = kHistoryLinePending;
        record_state_step(slot, now);
        store_slot(slots[i], slot);
        ended.push_back(slot.id);
    }
    rebuild_index(header, capacity, with_data);  // the counts of unfinished jobs moved
    // The old lock may be "held" by a thread id of the old boot, which no
    // one will ever release: a fresh mutex, and counters nobody sleeps on.
    init_robust_mutex(header.lock);
    header.change_counter.store(0);
    header.control_request_count.store(0);
    header.state_counter.store(0);
    ++header.reboots_survived;
    std::atomic_thread_fence(std::memory_order_release);
    copy_truncated(header.boot_id, boot_id);  // last: the table is ready
    return ended;
}

}  // namespace jobctl::detail
