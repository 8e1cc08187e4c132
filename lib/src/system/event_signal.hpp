#pragma once
// Wakes whoever polls an eventfd.

#include <unistd.h>

#include <cstdint>

namespace jobctl::detail {

inline void signal_event(int eventfd) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t ignored = ::write(eventfd, &one, sizeof one);
}

}  // namespace jobctl::detail
