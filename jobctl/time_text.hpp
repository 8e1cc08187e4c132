#pragma once
// Times as jobctl prints them: ISO 8601 in UTC for machines (JSON,
// receive --timestamps), local time for people (watch).

#include <optional>
#include <string>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// "2026-11-27T14:30:05.123456Z"; "" for no time.
std::string iso_time(const std::optional<Clock::time_point>& time);

// "2026-11-27 15:30:05.123", in the local time zone.
std::string local_time(Clock::time_point time);

}  // namespace jobctl::cli
