#include "table/segment_lock.hpp"

#include <linux/futex.h>
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
#include <string>
#include <vector>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "system/clock.hpp"
#include "table/crash_points.hpp"
#include "table/state_history.hpp"

namespace jobctl::detail {

namespace {

// The word of a robust mutex (glibc, Linux): the owner's thread id and two flags.
constexpr std::uint32_t kFutexWaiters = 0x80000000;
constexpr std::uint32_t kFutexOwnerDied = 0x40000000;
constexpr std::uint32_t kFutexTidMask = 0x3fffffff;

// Far longer than any critical section: after this, the holder is looked at.
constexpr long kPatienceNs = 50'000'000;

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

// pthread_mutex_lock, except that a lock held past the patience by no thread
// that could hold it is marked as a dead owner's, twice seen so: the next try
// then gets EOWNERDEAD and repairs. A holder that is merely slow, or stopped,
// is waited for.
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
        if (seen == 0 || (seen & kFutexOwnerDied) != 0 || (owner != 0 && could_hold_lock(owner, segment))) {
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

SegmentLock::SegmentLock(const Segment& segment) : segment_(segment) {
    int result = lock_table(segment);
    if (result == EOWNERDEAD) {
        repair_after_dead_owner(segment);
        pthread_mutex_consistent(&segment.header().lock);
        repaired_ = true;
    } else if (result == ENOTRECOVERABLE) {
        throw_damaged_lock(segment, "not recoverable");
    } else if (result != 0) {
        // A robust, shared, normal mutex returns nothing else unless damaged.
        throw_damaged_lock(segment, std::strerror(result));
    }
    reach_crash_point(testing::CrashPoint::lock_acquired);
}

SegmentLock::~SegmentLock() {
    reach_crash_point(testing::CrashPoint::before_unlock);
    pthread_mutex_unlock(&segment_.header().lock);
}

void write_slot(const Segment& segment, std::uint32_t index, const JobSlot& written) {
    SlotJournal& journal = segment.header().journal;
    JobSlot& slot = segment.slots()[index];
    JobSlot value = written;
    carry_state_history(slot, value);  // every state change numbered, whoever made it
    journal.before = slot;
    journal.index = index;
    // The journal must be complete before it is armed, and armed before the
    // slot changes; a process killed between any two stores leaves either an
    // unarmed journal (slot untouched) or an armed one (slot restorable).
    std::atomic_thread_fence(std::memory_order_seq_cst);
    journal.active = 1;
    std::atomic_thread_fence(std::memory_order_seq_cst);
    std::memcpy(&slot, &value, sizeof(JobSlot) / 2);
    reach_crash_point(testing::CrashPoint::slot_half_written);
    std::memcpy(reinterpret_cast<char*>(&slot) + sizeof(JobSlot) / 2,
                reinterpret_cast<const char*>(&value) + sizeof(JobSlot) / 2,
                sizeof(JobSlot) - sizeof(JobSlot) / 2);
    std::atomic_thread_fence(std::memory_order_seq_cst);
    journal.active = 0;
}

namespace {

// Erases the children of a registration that did not finish: slots at or
// above next_id (the registering critical section moves next_id past its ids
// last) whose parent slot is absent (it writes a new parent after its
// children). With next_id 0 (a damaged header) nothing tells them apart:
// nothing is erased.
void erase_unregistered_children(const SegmentHeader& header, JobSlot* slots, std::uint32_t capacity) {
    const std::uint32_t committed_below = header.next_id;
    if (committed_below == 0) return;
    std::vector<std::uint32_t> parents;  // of uncommitted children: one or two, as a rule
    for (std::uint32_t i = 0; i < capacity; ++i)
        if (slots[i].id >= committed_below && slots[i].parent_id != 0 &&
            std::ranges::find(parents, slots[i].parent_id) == parents.end())
            parents.push_back(slots[i].parent_id);
    if (parents.empty()) return;
    std::vector<std::uint32_t> absent = parents;
    for (std::uint32_t i = 0; i < capacity && !absent.empty(); ++i)
        if (slots[i].id != 0) std::erase(absent, slots[i].id);
    if (absent.empty()) return;
    for (std::uint32_t i = 0; i < capacity; ++i) {
        JobSlot& slot = slots[i];
        if (slot.id < committed_below || std::ranges::find(absent, slot.parent_id) == absent.end()) continue;
        slot.id = 0;  // free first: a repair cut short leaves a free slot, never a half-zeroed job
        std::atomic_thread_fence(std::memory_order_seq_cst);
        slot = JobSlot{};
    }
}

// What both repairs need: the half-written slot restored, the children of
// an unfinished registration erased, next_id above every id in use (an id
// handed out just before a crash is not given out again) and the high-water
// mark above every slot in use.
void repair_slots(SegmentHeader& header, JobSlot* slots, std::uint32_t capacity) {
    if (header.journal.active != 0 && header.journal.index < capacity)
        slots[header.journal.index] = header.journal.before;
    header.journal.active = 0;
    erase_unregistered_children(header, slots, capacity);
    if (header.next_id == 0) header.next_id = 1;
    for (std::uint32_t i = 0; i < capacity; ++i) {
        JobSlot& slot = slots[i];
        if (slot.id == 0) continue;
        if (slot.id >= header.next_id) header.next_id = slot.id + 1;
        if (i >= header.slot_limit) header.slot_limit = i + 1;
        if (!has_known_state(slot)) {
            set_state(slot, JobState::failed);
            copy_truncated(slot.reason, "slot repaired after a crash");
            record_state_step(slot, now_ns());
        }
    }
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
    repair_slots(header, segment.slots(), segment.capacity());
    header.change_counter.fetch_add(1);
    header.state_counter.fetch_add(1);
    header.control_request_count.fetch_add(1);  // hosts look at their stop flags again
}

void recover_after_reboot(SegmentHeader& header, std::uint32_t capacity, std::string_view boot_id) {
    JobSlot* slots = slots_of(&header);
    repair_slots(header, slots, capacity);
    std::int64_t now = now_ns();
    for (std::uint32_t i = 0; i < std::min(header.slot_limit, capacity); ++i) {
        JobSlot& slot = slots[i];
        if (slot.id == 0 || is_finished(slot)) continue;
        // Its worker or host, and the command, died with the old boot; the
        // output it wrote before that stays receivable.
        set_state(slot, JobState::failed);
        copy_truncated(slot.reason, "lost at reboot");
        slot.ended_ns = now;
        record_state_step(slot, now);
    }
    // The old lock may be "held" by a thread id of the old boot, which no
    // one will ever release: a fresh mutex, and counters nobody sleeps on.
    init_robust_mutex(header.lock);
    header.change_counter.store(0);
    header.control_request_count.store(0);
    header.state_counter.store(0);
    ++header.reboots_survived;
    std::atomic_thread_fence(std::memory_order_release);
    copy_truncated(header.boot_id, boot_id);  // last: the table is ready
}

}  // namespace jobctl::detail
