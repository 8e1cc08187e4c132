#pragma once
// How every writer records that a job ended: its final state, why, and when.

#include <string_view>

#include "jobctl/job.hpp"
#include "system/clock.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

inline void set_outcome(JobSlot& slot, JobState state, std::string_view reason) {
    set_state(slot, state);
    copy_truncated(slot.reason, reason);
    slot.ended_ns = now_ns();
}

}  // namespace jobctl::detail
