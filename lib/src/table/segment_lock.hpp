#pragma once
// Holds the repository's robust mutex. If the previous owner died inside the
// critical section, the table is repaired before the lock is marked
// consistent again, so a crash never wedges the repository. Nor does a
// damaged lock: one held, for longer than a critical section lasts, by a
// thread that does not exist or cannot have the table mapped is taken as a
// dead owner's (the kernel's own rule for robust mutexes) and repaired the
// same way; a lock of another kind is refused when the table is opened.

#include <signal.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "table/segment.hpp"

namespace jobctl::detail {

class SegmentLock {
public:
    explicit SegmentLock(const Segment& segment);
    ~SegmentLock();
    SegmentLock(const SegmentLock&) = delete;
    SegmentLock& operator=(const SegmentLock&) = delete;

    // True when this lock repaired the table after a dead owner.
    bool repaired() const { return repaired_; }

private:
    const Segment& segment_;
    bool repaired_ = false;
    sigset_t saved_mask_{};  // job-control stops are deferred while the lock is held
};

// Who is told, once per wait, that this process has waited over a second
// for a lock and who holds it. Unset: nobody.
void set_slow_lock_notice(std::function<void(const std::string&)> notice);

// Overwrites slot `index` so that a crash half-way can be undone (SlotJournal),
// numbers a change of its state (table/state_history.hpp) and moves the
// header's counts. The slot's place words (displaced_count and _reach) stay
// as they are: they belong to the index (table/slot_index.hpp).
void write_slot(const Segment& segment, std::uint32_t index, const JobSlot& value);
// The index's own write of a slot's place words, the job in it unchanged.
void write_place(const Segment& segment, std::uint32_t index, std::uint32_t displaced_count,
                 std::uint32_t displaced_reach);

// A writer killed inside the lock leaves it marked (FUTEX_OWNER_DIED) and
// the table to repair: an unlocked reader that finds it so takes the lock
// once, which repairs, before it reads.
void repair_if_owner_died(const Segment& segment);

// Restores a half-written slot and makes the header consistent with the slots.
void repair_after_dead_owner(const Segment& segment);

// A process-shared, robust mutex, as every table's lock is.
void init_robust_mutex(pthread_mutex_t& mutex);
// True when `mutex` is of the kind init_robust_mutex makes (a damaged table
// may hold any other, which would not be robust or not shared).
bool has_robust_mutex_kind(const pthread_mutex_t& mutex);

// The first open after a reboot, holding the table's file lock (not the
// mutex, which may be stale): repairs the slots, ends every unfinished job
// Failed ("lost at reboot"), re-initialises the mutex and the counters, and
// records `boot_id` last. `with_data`: the slots that may hold anything
// (Segment::slots_with_data); the others are holes, never read.
// Returns the ids of the jobs it ended, for their history lines.
std::vector<JobId> recover_after_reboot(SegmentHeader& header, std::uint32_t capacity,
                                        std::string_view boot_id, const std::vector<SlotRange>& with_data);

}  // namespace jobctl::detail
