#pragma once
// Options that take a duration (--timeout, --grace): "500ms", "30s", "5m",
// "2h", compounds such as "1m30s", or plain seconds. Anything else (nan, inf, negative, too long, an
// unknown unit) is refused with one line, before anything is done.

#include <CLI/CLI.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "jobctl/duration_text.hpp"  // parse_duration, format_duration: what the options take

namespace jobctl::cli {

// Adds `name` as a DURATION option of at most `max` that sets `target`.
CLI::Option* add_duration_option(CLI::App& command, const std::string& name,
                                 std::optional<std::chrono::milliseconds>& target,
                                 const std::string& description, std::chrono::milliseconds max);

// As above, for an option with a default (shown in --help).
CLI::Option* add_duration_option(CLI::App& command, const std::string& name,
                                 std::chrono::milliseconds& target, const std::string& description,
                                 std::chrono::milliseconds max);

// --timeout DURATION of start, run and foreach: the job's time limit (at
// most 365 days), after which it is stopped and ends Failed ("timed out
// after 30s"). Time suspended does not count.
CLI::Option* add_time_limit_option(CLI::App& command, std::optional<std::chrono::milliseconds>& target,
                                   const std::string& description =
                                       "Time limit: stop the job and fail it "
                                       "after it has run this long (not counting "
                                       "time suspended)");

}  // namespace jobctl::cli
