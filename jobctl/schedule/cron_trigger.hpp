#pragma once
// When a schedule runs, as cron(8) reads it: the five fields of a crontab
// line (crontab(5): minute, hour, day of month, month, day of week), what
// --every and --at become in that form, and when such a line fires next.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// `text` checked as five cron fields (numbers, '*', ranges, steps, lists,
// and month or day names; or @hourly, @daily, @weekly, @monthly, @yearly),
// returned as five fields with single spaces (@daily as 0 0 * * *).
// Errors: invalid_argument, one line naming the bad field.
std::string checked_cron_expression(std::string_view text);

// The cron form of "every `interval`": */15 * * * * for 15m, 0 */2 * * *
// for 2h, 0 0 * * * for 1d. Errors: invalid_argument (cron cannot express
// it: not whole minutes, or not a divisor of an hour or a day), with a hint.
std::string cron_for_interval(std::chrono::milliseconds interval);

// The cron form of the minute `at` falls in (local time): M H DOM MON *.
std::string cron_for_time(Clock::time_point at);

// The first minute after `after` that `expression` (checked) fires at, in
// local time; nothing if none within five years.
std::optional<Clock::time_point> next_cron_time(const std::string& expression, Clock::time_point after);

}  // namespace jobctl::cli
