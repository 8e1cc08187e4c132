#pragma once
// Futex wait/wake on a 32-bit word in shared memory (not FUTEX_PRIVATE:
// waiters and wakers are different processes).

#include <atomic>
#include <chrono>
#include <cstdint>

namespace jobctl::detail {

// Sleeps while *word == expected, at most `timeout`. Returns early on a wake,
// a signal, or when the value already differs.
void futex_wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, std::chrono::nanoseconds timeout);
void futex_wake_all(std::atomic<std::uint32_t>& word);

}  // namespace jobctl::detail
