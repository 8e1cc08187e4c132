#pragma once
// How `watch` prints a state-change event: one line of text, or one JSON
// object per line with --json.

#include <ostream>

#include "jobctl/job_events.hpp"

namespace jobctl::cli {

// "2026-11-27 14:30:05.123  12  build  Running -> Failed: exit code 3", in
// local time; the new state coloured when `color`.
void print_event_line(std::ostream& out, const JobEvent& event, bool color);

// {"time": "2026-11-27T13:30:05.123456Z", "event": "state", "id": 12, ...}
void print_event_json(std::ostream& out, const JobEvent& event);

}  // namespace jobctl::cli
