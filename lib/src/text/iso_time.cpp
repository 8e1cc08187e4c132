#include "text/iso_time.hpp"

#include <cstdio>
#include <ctime>

namespace jobctl::detail {

namespace {

// The digits of `text` from `at`, `count` of them, as a number; -1 if one is not a digit.
long digits_at(std::string_view text, std::size_t at, std::size_t count) {
    if (at + count > text.size()) return -1;
    long value = 0;
    for (std::size_t i = at; i < at + count; ++i) {
        if (text[i] < '0' || text[i] > '9') return -1;
        value = value * 10 + (text[i] - '0');
    }
    return value;
}

}  // namespace

std::string format_iso_time(Clock::time_point time) {
    auto since_epoch = std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch());
    auto seconds = std::chrono::floor<std::chrono::seconds>(since_epoch);
    long long micros = (since_epoch - seconds).count();
    std::time_t whole = seconds.count();
    std::tm fields{};
    ::gmtime_r(&whole, &fields);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &fields);
    std::snprintf(text + length, sizeof text - length, ".%06lldZ", micros);
    return text;
}

std::optional<Clock::time_point> parse_iso_time(std::string_view text) {
    // YYYY-MM-DDTHH:MM:SS[.fraction]Z
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
        text[16] != ':' || text.back() != 'Z')
        return std::nullopt;
    long year = digits_at(text, 0, 4), month = digits_at(text, 5, 2), day = digits_at(text, 8, 2);
    long hour = digits_at(text, 11, 2), minute = digits_at(text, 14, 2), second = digits_at(text, 17, 2);
    if (year < 0 || month < 1 || month > 12 || day < 1 || day > 31 || hour < 0 || hour > 23 || minute < 0 ||
        minute > 59 || second < 0 || second > 60)
        return std::nullopt;
    std::string_view fraction = text.substr(19, text.size() - 20);
    long long nanos = 0;
    if (!fraction.empty()) {
        if (fraction[0] != '.' || fraction.size() < 2 || fraction.size() > 10) return std::nullopt;
        long value = digits_at(fraction, 1, fraction.size() - 1);
        if (value < 0) return std::nullopt;
        nanos = value;
        for (std::size_t i = fraction.size() - 1; i < 9; ++i) nanos *= 10;
    }
    std::tm fields{};
    fields.tm_year = static_cast<int>(year - 1900);
    fields.tm_mon = static_cast<int>(month - 1);
    fields.tm_mday = static_cast<int>(day);
    fields.tm_hour = static_cast<int>(hour);
    fields.tm_min = static_cast<int>(minute);
    fields.tm_sec = static_cast<int>(second);
    std::time_t whole = ::timegm(&fields);
    return Clock::time_point(std::chrono::duration_cast<Clock::duration>(std::chrono::seconds(whole) +
                                                                         std::chrono::nanoseconds(nanos)));
}

}  // namespace jobctl::detail
