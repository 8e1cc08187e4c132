#include "table/segment_lock.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>

#include "table/crash_points.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job.hpp"

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

SegmentLock::~SegmentLock() { pthread_mutex_unlock(&segment_.header().lock); }

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

void repair_after_dead_owner(const Segment& segment) {
    SegmentHeader& header = segment.header();
    JobSlot* slots = segment.slots();
    if (header.journal.active != 0 && header.journal.index < segment.capacity())
        slots[header.journal.index] = header.journal.before;
    header.journal.active = 0;
    // A slot claimed just before next_id was advanced must not lend its id again.
    if (header.next_id == 0) header.next_id = 1;
    for (std::uint32_t i = 0; i < segment.capacity(); ++i) {
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
    header.change_counter.fetch_add(1);
    header.state_counter.fetch_add(1);
}

}  // namespace jobctl::detail
