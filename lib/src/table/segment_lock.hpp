#pragma once
// Holds the repository's robust mutex. If the previous owner died inside the
// critical section, the table is repaired before the lock is marked
// consistent again, so a crash never wedges the repository.

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
};

// Overwrites slot `index` so that a crash half-way can be undone (SlotJournal).
void write_slot(const Segment& segment, std::uint32_t index, const JobSlot& value);

// Restores a half-written slot and makes the header consistent with the slots.
void repair_after_dead_owner(const Segment& segment);

}  // namespace jobctl::detail
