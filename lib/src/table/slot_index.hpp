#pragma once
// The table's index (segment_layout.hpp, "The index"): where a job's slot
// is, the jobs of a name, and a parent's children, found without a walk of
// the slots. The writes that change what it describes keep it, under the
// lock; the repairs build it again from the slots.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/job.hpp"
#include "table/segment.hpp"

namespace jobctl::detail {

// The slot a job is put in when it is free: (id - 1) % capacity.
std::uint32_t home_slot(JobId id, std::uint32_t capacity);
// The bucket of a name's list (FNV-1a of its bytes, modulo the capacity).
std::uint32_t name_bucket(std::string_view name, std::uint32_t capacity);

// Slot index of job `id`, or capacity when it is not there. Without the
// lock, where it was a moment ago: a job never moves, but it may have been
// erased since (check the id of the copy). `committed_only`: an id at or
// above next_id (a registration not finished) is taken as absent.
std::uint32_t index_of(const Segment& segment, JobId id, bool committed_only = true);

// Under the lock, a registration of `slots` (their ids set) into the slots
// `indices`, and the index of its existing parent's slot (capacity: none):
//  - before the jobs are written: counts in their homes the jobs that go
//    elsewhere, widens the existing parent's span of children, and sets in
//    each new slot its place in its name's list (and a new parent's span);
void index_before_registration(const Segment& segment, const std::vector<std::uint32_t>& indices,
                               std::vector<JobSlot>& slots, std::uint32_t parent_index);
//  - after: links the lists' old heads to the new jobs, and heads them.
void index_after_registration(const Segment& segment, const std::vector<JobSlot>& slots);

// Under the lock: frees slot `index` (zeroed), its job taken out of the index.
void erase_indexed(const Segment& segment, std::uint32_t index);

// The repairs: the index and the header's counts built again from the
// slots `with_data` (the others are holes: zeros). Caller holds the lock,
// or the reboot's file lock.
void rebuild_index(SegmentHeader& header, std::uint32_t capacity, const std::vector<SlotRange>& with_data);

// What the index says that the slots do not, or empty (tests). Caller
// holds the lock.
std::string index_mismatch(const Segment& segment);

// write_slot's part: moves the header's counts from `before` to `after`.
void count_in_header(SegmentHeader& header, const JobSlot& before, const JobSlot& after);

}  // namespace jobctl::detail
