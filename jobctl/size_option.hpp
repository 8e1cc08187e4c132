#pragma once
// Options that take a size (--history-size): bytes, or a whole number with
// a unit of 1024: "512", "64K", "16M", "2G", "1T" ("KiB", "MB"... are read
// alike, any case). Anything else (a fraction, a sign, too large) is
// refused with one line, before anything is done.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace jobctl::cli {

// `bare_power`: the power of 1024 a number without a unit is in (0: bytes;
// 2: megabytes, as --mem takes it).
std::optional<std::uint64_t> parse_size(std::string_view text, int bare_power = 0);
// "16M", "1536K", "100": the largest unit that divides it.
std::string format_size(std::uint64_t bytes);

// A check for a SIZE that must be 0 or at least `minimum` (a cap).
CLI::Validator zero_or_at_least(std::uint64_t minimum);

// Adds `name` as a SIZE option that sets `target`.
CLI::Option* add_size_option(CLI::App& command, const std::string& name, std::optional<std::uint64_t>& target,
                             const std::string& description);

}  // namespace jobctl::cli
