#include "table/segment_lock.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "system/clock.hpp"
#include "table/crash_points.hpp"

namespace jobctl::detail {

SegmentLock::SegmentLock(const Segment& segment) : segment_(segment) {
    int result = pthread_mutex_lock(&segment.header().lock);
    if (result == EOWNERDEAD) {
        repair_after_dead_owner(segment);
        pthread_mutex_consistent(&segment.header().lock);
        repaired_ = true;
    } else if (result == ENOTRECOVERABLE) {
        throw Error(ErrorCode::repository_unusable,
                    "repository lock is not recoverable (remove the segment to start afresh)");
    } else if (result != 0) {
        throw_system_error("cannot lock the repository", result);
    }
    reach_crash_point(testing::CrashPoint::lock_acquired);
}

SegmentLock::~SegmentLock() {
    reach_crash_point(testing::CrashPoint::before_unlock);
    pthread_mutex_unlock(&segment_.header().lock);
}

void write_slot(const Segment& segment, std::uint32_t index, const JobSlot& value) {
    SlotJournal& journal = segment.header().journal;
    JobSlot& slot = segment.slots()[index];
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

// What both repairs need: the half-written slot restored, next_id above
// every id in use (an id handed out just before a crash is not given out
// again) and the high-water mark above every slot in use.
void repair_slots(SegmentHeader& header, JobSlot* slots, std::uint32_t capacity) {
    if (header.journal.active != 0 && header.journal.index < capacity)
        slots[header.journal.index] = header.journal.before;
    header.journal.active = 0;
    if (header.next_id == 0) header.next_id = 1;
    for (std::uint32_t i = 0; i < capacity; ++i) {
        JobSlot& slot = slots[i];
        if (slot.id == 0) continue;
        if (slot.id >= header.next_id) header.next_id = slot.id + 1;
        if (i >= header.slot_limit) header.slot_limit = i + 1;
        bool state_valid = state_of(slot) >= JobState::not_started && state_of(slot) <= JobState::failed;
        if (!state_valid) {
            set_state(slot, JobState::failed);
            copy_truncated(slot.reason, "slot repaired after a crash");
        }
    }
}

}  // namespace

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
    header.stop_request_count.fetch_add(1);  // hosts look at their stop flags again
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
    }
    // The old lock may be "held" by a thread id of the old boot, which no
    // one will ever release: a fresh mutex, and counters nobody sleeps on.
    init_robust_mutex(header.lock);
    header.change_counter.store(0);
    header.stop_request_count.store(0);
    header.state_counter.store(0);
    ++header.reboots_survived;
    std::atomic_thread_fence(std::memory_order_release);
    copy_truncated(header.boot_id, boot_id);  // last: the table is ready
}

}  // namespace jobctl::detail
