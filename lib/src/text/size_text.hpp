#pragma once
// Sizes as a user likely gave them, in reasons the library writes ("out of
// memory (limit 512M)", "output capped at 100M"): the largest unit of 1024
// that divides the size, or bytes.

#include <cstdint>
#include <string>

namespace jobctl::detail {

std::string size_text(std::uint64_t bytes);

}  // namespace jobctl::detail
