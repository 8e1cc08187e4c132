#include "text/size_text.hpp"

#include <utility>

namespace jobctl::detail {

std::string size_text(std::uint64_t bytes) {
    if (bytes != 0)
        for (auto [unit, size] :
             {std::pair{'T', 1ULL << 40}, {'G', 1ULL << 30}, {'M', 1ULL << 20}, {'K', 1ULL << 10}})
            if (bytes % size == 0) return std::to_string(bytes / size) + unit;
    return std::to_string(bytes);
}

}  // namespace jobctl::detail
