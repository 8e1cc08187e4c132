#pragma once
// Durations as people write them: "500ms", "30s", "5m", "2h", "1d", or a
// plain number of seconds ("0.5", "15"). One parser for every option that
// takes a duration (--timeout, --grace), and one way to print them back
// ("timed out after 30s").

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

namespace jobctl::detail {

// Whole milliseconds, rounded up (a timeout of 0.0001 s is not 0). Empty
// for anything else: no number, an unknown unit, nan, inf, a negative value
// or more than `max`.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text, std::chrono::milliseconds max);

// The shortest exact form: "500ms", "30s", "1.5s", "5m", "2h".
std::string format_duration(std::chrono::milliseconds duration);

}  // namespace jobctl::detail
