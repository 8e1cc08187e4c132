#pragma once
// How every writer records that a job ended: its final state, why, and when.

#include <string_view>

#include "system/clock.hpp"
#include "jobctl/job.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

inline void set_outcome(JobSlot& slot, JobState state, std::string_view reason) {
    slot.state = static_cast<std::uint8_t>(state);
    copy_truncated(slot.reason, reason);
    slot.ended_ns = now_ns();
}

inline bool is_finished(const JobSlot& slot) { return is_terminal(static_cast<JobState>(slot.state)); }

}  // namespace jobctl::detail
