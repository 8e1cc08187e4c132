#pragma once
#include <chrono>
#include <cstdint>
#include <optional>

#include "jobctl/job.hpp"

namespace jobctl::detail {

inline std::int64_t now_ns() {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

inline std::optional<Clock::time_point> time_from_ns(std::int64_t ns) {
    if (ns == 0) return std::nullopt;
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(ns)));
}

}  // namespace jobctl::detail
