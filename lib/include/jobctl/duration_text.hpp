#pragma once
// Durations as people write them, read and written the way jobctl does:
// "500ms", "30s", "5m", "2h", "7d", a compound such as "1m30s", or a plain
// number of seconds ("0.5", "15"). jobctl's reasons use the same form
// ("timed out after 30s"), so a program that takes a time limit from its
// user and shows it back agrees with them.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace jobctl {

// The duration `text` names, if it is at most `max`: one number with a unit
// (ms, s, m, h, d) or without (seconds), or several with units, largest
// first ("1m30s", "1h15m", "2d12h", "1s500ms"). Whole milliseconds, rounded
// up (0.0001 is 1ms, not 0). Empty for anything else: no number, an unknown
// unit, a unit twice or out of order, nan, inf, a negative value, more than `max`.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::chrono::milliseconds max);

// The shortest exact form: "500ms", "30s", "1.5s", "5m", "2h", "1d".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace jobctl
