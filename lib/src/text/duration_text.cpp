#include "jobctl/duration_text.hpp"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <utility>

namespace jobctl {
namespace {

constexpr std::array kUnits{
    std::pair{std::string_view{"ms"}, std::int64_t{1}},
    std::pair{std::string_view{"s"}, std::int64_t{1000}},
    std::pair{std::string_view{"m"}, std::int64_t{60'000}},
    std::pair{std::string_view{"h"}, std::int64_t{3'600'000}},
    std::pair{std::string_view{"d"}, std::int64_t{86'400'000}},
};

// How many milliseconds `unit` is, 0 if it is none.
std::int64_t unit_scale(std::string_view unit) {
    for (auto [name, milliseconds] : kUnits)
        if (unit == name) return milliseconds;
    return 0;
}

// One number, with a unit or without (seconds).
std::optional<std::chrono::milliseconds> parse_one(std::string_view text, std::chrono::milliseconds max) {
    std::size_t digits_end = text.find_first_not_of("0123456789.");
    std::string number(text.substr(0, digits_end));
    std::string_view unit = digits_end == std::string_view::npos ? "" : text.substr(digits_end);
    if (number.empty() || number == ".") return std::nullopt;
    char* end = nullptr;
    double value = std::strtod(number.c_str(), &end);
    if (*end != '\0' || !std::isfinite(value)) return std::nullopt;
    double scale = unit.empty() ? 1000.0 : static_cast<double>(unit_scale(unit));
    if (scale == 0.0) return std::nullopt;
    double total = std::ceil(value * scale);
    if (total > static_cast<double>(max.count())) return std::nullopt;
    return std::chrono::milliseconds(static_cast<std::int64_t>(total));
}

// Several numbers, each with its unit, units from largest to smallest, none twice.
std::optional<std::chrono::milliseconds> parse_compound(std::string_view text,
                                                        std::chrono::milliseconds max) {
    std::chrono::milliseconds total{0};
    std::int64_t previous_scale = 0;
    int parts = 0;
    while (!text.empty()) {
        std::size_t unit_begin = text.find_first_not_of("0123456789.");
        if (unit_begin == 0 || unit_begin == std::string_view::npos) return std::nullopt;
        std::size_t unit_end = text.find_first_of("0123456789.", unit_begin);
        std::string_view part = text.substr(0, unit_end);
        std::int64_t scale = unit_scale(part.substr(unit_begin));
        if (scale == 0 || (previous_scale != 0 && scale >= previous_scale)) return std::nullopt;
        auto value = parse_one(part, max);
        if (!value) return std::nullopt;
        total += *value;
        if (total > max) return std::nullopt;
        previous_scale = scale;
        ++parts;
        text.remove_prefix(part.size());
    }
    if (parts < 2) return std::nullopt;
    return total;
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::chrono::milliseconds max) {
    if (auto single = parse_one(text, max)) return single;
    return parse_compound(text, max);
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

}  // namespace jobctl
