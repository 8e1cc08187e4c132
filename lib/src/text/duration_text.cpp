#include "text/duration_text.hpp"

#include <array>
#include <cmath>
#include <cstdlib>
#include <string>
#include <utility>

namespace jobctl::detail {
namespace {

constexpr std::array kUnits{
    std::pair{std::string_view{"ms"}, 1.0},         std::pair{std::string_view{"s"}, 1000.0},
    std::pair{std::string_view{"m"}, 60'000.0},     std::pair{std::string_view{"h"}, 3'600'000.0},
    std::pair{std::string_view{"d"}, 86'400'000.0},
};

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::chrono::milliseconds max) {
    std::size_t digits_end = text.find_first_not_of("0123456789.");
    std::string number(text.substr(0, digits_end));
    std::string_view unit = digits_end == std::string_view::npos ? "" : text.substr(digits_end);
    if (number.empty() || number == ".") return std::nullopt;
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (*end != '\0' || !std::isfinite(value)) return std::nullopt;
    double scale = unit.empty() ? 1000.0 : 0.0;
    for (auto [name, milliseconds] : kUnits)
        if (unit == name) scale = milliseconds;
    if (scale == 0.0) return std::nullopt;
    double total = std::ceil(value * scale);
    if (total > static_cast<double>(max.count())) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

std::string format_duration(std::chrono::milliseconds duration) {
    std::int64_t ms = duration.count();
    if (ms != 0 && ms % 86'400'000 == 0) return std::to_string(ms / 86'400'000) + "d";
    if (ms != 0 && ms % 3'600'000 == 0) return std::to_string(ms / 3'600'000) + "h";
    if (ms != 0 && ms % 60'000 == 0) return std::to_string(ms / 60'000) + "m";
    if (ms % 1000 == 0) return std::to_string(ms / 1000) + "s";
    if (ms < 1000) return std::to_string(ms) + "ms";
    std::string fraction = std::to_string(1000 + ms % 1000).substr(1);  // three digits
    while (fraction.back() == '0') fraction.pop_back();
    return std::to_string(ms / 1000) + "." + fraction + "s";
}

}  // namespace jobctl::detail
