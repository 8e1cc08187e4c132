#include "time_option.hpp"

#include <cstdint>
#include <cstdio>
#include <ctime>

#include "duration_option.hpp"

namespace jobctl::cli {
namespace {

// "+01:00", "-0530", "Z": the zone's offset east of UTC in seconds.
std::optional<long> parse_zone(std::string_view zone) {
    if (zone == "Z" || zone == "z") return 0;
    if (zone.size() != 6 && zone.size() != 5) return std::nullopt;
    if (zone[0] != '+' && zone[0] != '-') return std::nullopt;
    std::string digits;
    for (char c : zone.substr(1))
        if (c != ':') digits += c;
    if (digits.size() != 4 || digits.find_first_not_of("0123456789") != std::string::npos)
        return std::nullopt;
    long hours = std::stol(digits.substr(0, 2));
    long minutes = std::stol(digits.substr(2));
    if (hours > 14 || minutes > 59) return std::nullopt;
    long offset = hours * 3600 + minutes * 60;
    return zone[0] == '-' ? -offset : offset;
}

// 2026-02 has 28 days: a 2026-02-31 is refused, not read as March 3.
int days_in_month(int year, int month) {
    constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

std::optional<Clock::time_point> parse_iso_time(std::string_view text) {
    std::tm fields{};
    int seconds = 0;
    std::chrono::nanoseconds nanoseconds{0};
    int consumed = 0;
    std::string copy(text);
    // Date, then optionally T (or a space) HH:MM, then optionally :SS.
    if (std::sscanf(copy.c_str(), "%4d-%2d-%2d%n", &fields.tm_year, &fields.tm_mon, &fields.tm_mday,
                    &consumed) != 3 ||
        consumed != 10)
        return std::nullopt;
    std::string_view rest = text.substr(10);
    if (!rest.empty() && (rest[0] == 'T' || rest[0] == 't' || rest[0] == ' ')) {
        int used = 0;
        std::string clock(rest.substr(1));
        if (std::sscanf(clock.c_str(), "%2d:%2d%n", &fields.tm_hour, &fields.tm_min, &used) != 2 || used != 5)
            return std::nullopt;
        rest = rest.substr(1 + 5);
        if (!rest.empty() && rest[0] == ':') {
            std::string tail(rest.substr(1));
            if (std::sscanf(tail.c_str(), "%2d%n", &seconds, &used) != 1 || used != 2) return std::nullopt;
            rest = rest.substr(3);
            // A fraction of a second, as `get --json` and `get --wide` print it: ".969825".
            if (!rest.empty() && (rest[0] == '.' || rest[0] == ',')) {
                std::size_t digits = rest.find_first_not_of("0123456789", 1);
                if (digits == std::string_view::npos) digits = rest.size();
                if (digits == 1 || digits > 10) return std::nullopt;
                std::string_view fraction = rest.substr(1, digits - 1);
                std::int64_t value = 0;
                for (std::size_t i = 0; i < 9; ++i)
                    value = value * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
                nanoseconds = std::chrono::nanoseconds(value);
                rest = rest.substr(digits);
            }
        }
    }
    if (fields.tm_mon < 1 || fields.tm_mon > 12 || fields.tm_mday < 1 ||
        fields.tm_mday > days_in_month(fields.tm_year, fields.tm_mon) || fields.tm_hour > 23 ||
        fields.tm_min > 59 || seconds > 60)
        return std::nullopt;
    fields.tm_year -= 1900;
    fields.tm_mon -= 1;
    fields.tm_sec = seconds;
    std::time_t since_epoch;
    if (rest.empty()) {
        fields.tm_isdst = -1;  // local time, whatever the season
        since_epoch = std::mktime(&fields);
    } else {
        auto offset = parse_zone(rest);
        if (!offset) return std::nullopt;
        since_epoch = ::timegm(&fields) - *offset;
    }
    // Clock counts nanoseconds in 64 bits (1677 to 2262): a time outside
    // what jobs can have (1970 to 2200) is no time to compare them with.
    constexpr std::time_t kYear2200 = 7'258'118'400;
    if (since_epoch == static_cast<std::time_t>(-1) || since_epoch < 0 || since_epoch >= kYear2200)
        return std::nullopt;
    return Clock::from_time_t(since_epoch) + std::chrono::duration_cast<Clock::duration>(nanoseconds);
}

}  // namespace

std::optional<Clock::time_point> parse_time(std::string_view text, Clock::time_point now) {
    if (auto ago = parse_duration(text, std::chrono::hours(24 * 365 * 100)); ago) return now - *ago;
    return parse_iso_time(text);
}

CLI::Option* add_time_option(CLI::App& command, const std::string& name,
                             std::optional<Clock::time_point>& target, const std::string& description) {
    return command
        .add_option_function<std::string>(
            name, [&target](const std::string& text) { target = parse_time(text, Clock::now()); },
            description)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                if (parse_time(text, Clock::now())) return "";
                return "must be a time (2026-11-27, 2026-11-27T14:30, 2026-11-27T14:30:00.5Z) on a date "
                       "that exists, from 1970 to 2199, or a time ago (90m, 1h30m, 7d), not '" +
                       text + "'";
            },
            ""))
        ->type_name("TIME");
}

}  // namespace jobctl::cli
