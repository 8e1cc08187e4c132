#include "duration_option.hpp"

#include "text/duration_text.hpp"

namespace jobctl::cli {
namespace {

// How many milliseconds `unit` is, 0 if it is none.
std::int64_t unit_scale(std::string_view unit) {
    constexpr std::pair<std::string_view, std::int64_t> kUnits[] = {
        {"d", 86'400'000}, {"h", 3'600'000}, {"m", 60'000}, {"s", 1000}, {"ms", 1}};
    for (auto [name, scale] : kUnits)
        if (unit == name) return scale;
    return 0;
}

CLI::Validator duration_up_to(std::chrono::milliseconds max) {
    return CLI::Validator(
        [max](std::string& text) -> std::string {
            if (parse_duration(text, max)) return "";
            return "must be a duration from 0 to " + detail::format_duration(max) +
                   " (500ms, 30s, 1m30s, 2h, or seconds), not '" + text + "'";
        },
        "");  // the option's type name already says DURATION
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text,
                                                        std::chrono::milliseconds max) {
    if (auto single = detail::parse_duration(text, max)) return single;
    // A compound: each part a number and a unit, units from largest to smallest, none twice.
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
        auto value = detail::parse_duration(part, max);
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

CLI::Option* add_duration_option(CLI::App& command, const std::string& name,
                                 std::optional<std::chrono::milliseconds>& target,
                                 const std::string& description, std::chrono::milliseconds max) {
    return command
        .add_option_function<std::string>(
            name, [&target, max](const std::string& text) { target = parse_duration(text, max); },
            description)
        ->check(duration_up_to(max))
        ->type_name("DURATION");
}

CLI::Option* add_duration_option(CLI::App& command, const std::string& name,
                                 std::chrono::milliseconds& target, const std::string& description,
                                 std::chrono::milliseconds max) {
    return command
        .add_option_function<std::string>(
            name, [&target, max](const std::string& text) { target = *parse_duration(text, max); },
            description)
        ->check(duration_up_to(max))
        ->type_name("DURATION")
        ->default_str(detail::format_duration(target));
}

CLI::Option* add_time_limit_option(CLI::App& command, std::optional<std::chrono::milliseconds>& target,
                                   const std::string& description) {
    return add_duration_option(command, "--timeout", target, description, std::chrono::hours(24 * 365))
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                auto limit = parse_duration(text, std::chrono::hours(24 * 365));
                return limit && limit->count() == 0 ? "a time limit must be more than 0" : "";
            },
            ""));
}

std::string format_duration(std::chrono::milliseconds duration) {
    return detail::format_duration(duration);
}

}  // namespace jobctl::cli
