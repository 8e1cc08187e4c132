#pragma once
// RunOptions::timeout, checked where a job is started.

#include <chrono>
#include <optional>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::detail {

// Errors: invalid_argument for a limit of 0 or less (the slot records 0 as
// "no limit", and a job stopped before it ran is no use to anyone).
inline void check_time_limit(const std::optional<std::chrono::milliseconds>& timeout) {
    if (timeout && timeout->count() <= 0)
        throw Error(ErrorCode::invalid_argument, "a time limit must be more than 0");
}

}  // namespace jobctl::detail
