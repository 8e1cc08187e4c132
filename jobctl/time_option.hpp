#pragma once
// Options that take a point in time (--before, --after): ISO 8601
// ("2026-11-27", "2026-11-27T14:30", "2026-11-27 14:30:05.123", with "Z" or
// "+01:00" for a zone, else local time; a date that does not exist is
// refused), or a time ago ("2h", "7d", "90m", "1h30m"): every time jobctl
// prints is accepted back.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// The time `text` names, reading relative forms back from `now`; nullopt if it names none.
std::optional<Clock::time_point> parse_time(std::string_view text, Clock::time_point now);

// Adds `name` as a TIME option that sets `target`; a bad time is refused with one line.
CLI::Option* add_time_option(CLI::App& command, const std::string& name,
                             std::optional<Clock::time_point>& target, const std::string& description);

}  // namespace jobctl::cli
