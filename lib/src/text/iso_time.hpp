#pragma once
// Times as the library writes them into files that outlive a job (the
// history): ISO 8601 in UTC to the microsecond, "2026-11-27T14:30:05.123456Z",
// the form `get --json` prints, and read back exactly.

#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"

namespace jobctl::detail {

std::string format_iso_time(Clock::time_point time);

// The time `text` says, if it is in exactly that form (the fraction may
// have 0 to 9 digits); nothing otherwise.
std::optional<Clock::time_point> parse_iso_time(std::string_view text);

}  // namespace jobctl::detail
