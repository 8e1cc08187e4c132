#include "duration_option.hpp"

#include "jobctl/duration_text.hpp"

namespace jobctl::cli {
namespace {

CLI::Validator duration_up_to(std::chrono::milliseconds max) {
    return CLI::Validator(
        [max](std::string& text) -> std::string {
            if (parse_duration(text, max)) return "";
            return "must be a duration from 0 to " + format_duration(max) +
                   " (500ms, 30s, 1m30s, 2h, or seconds), not '" + text + "'";
        },
        "");  // the option's type name already says DURATION
}

}  // namespace

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
        ->default_str(format_duration(target));
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

}  // namespace jobctl::cli
