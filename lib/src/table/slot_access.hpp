#pragma once
// Slot access for the table's own parts (job_table.cpp, queue_table.cpp,
// job_lifecycle.cpp) and for tests that stage slots (slot_patch.hpp).
// The caller holds the lock, or reads a copy.

#include <cstdint>
#include <string_view>

#include "jobctl/job.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

class Segment;

JobInfo job_info_of(const JobSlot& slot);
std::uint32_t slots_in_use_limit(const Segment& segment);       // slots past it were never used
std::uint32_t slot_index_of(const Segment& segment, JobId id);  // capacity when absent
// Ends the job in the slot: its outcome, why, when (job_lifecycle.cpp);
// with `history_kept`, its history line marked pending.
void set_outcome(JobSlot& slot, JobState state, std::string_view reason, bool history_kept = false);

}  // namespace jobctl::detail
