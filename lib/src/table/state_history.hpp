#pragma once
// Each slot's change sequence number and the last states behind it
// (JobSlot::state_changes, history): what lets a watcher report every
// transition of every job exactly once, however many happened between two
// of its wake-ups (see docs/decisions/0044-events-and-state-history.md).

#include <cstdint>
#include <vector>

#include "jobctl/job.hpp"
#include "table/job_table.hpp"  // StateEntered
#include "table/segment_layout.hpp"

namespace jobctl::detail {

// Appends the slot's current state to its history, as entered at `at_ns`.
void record_state_step(JobSlot& slot, std::int64_t at_ns);

// What write_slot calls before it overwrites `before` with `after`: a new
// job starts its history with its first state; a job whose state changed
// gets one more step. The history fields of `after` are taken from `before`
// (a change lambda works on a copy and may not rewrite them).
void carry_state_history(const JobSlot& before, JobSlot& after);

// The states numbered after `seen` that the slot still holds, oldest first.
// Fewer than state_changes - seen when more than kStateHistory happened.
std::vector<StateEntered> states_after(const JobSlot& slot, std::uint32_t seen);

}  // namespace jobctl::detail
