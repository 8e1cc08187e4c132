#pragma once
// Options given in seconds (--timeout, --grace): a finite, non-negative
// number up to a limit. CLI11's Range lets "nan" through (every comparison
// with NaN is false), and "inf" would overflow the conversion to a duration.

#include <CLI/CLI.hpp>
#include <chrono>

namespace jobctl::cli {

// A validator for a number of seconds from 0 to `max_seconds`.
CLI::Validator seconds_up_to(double max_seconds);

// Whole milliseconds, rounded up (a timeout of 0.0001 s is not 0).
std::chrono::milliseconds to_milliseconds(double seconds);

}  // namespace jobctl::cli
