#include "time_text.hpp"

#include <cstdio>
#include <ctime>

namespace jobctl::cli {
namespace {

// `format` (strftime) of the whole seconds, in UTC or local time, then the
// fraction to `digits` places and `suffix`.
std::string format_time(Clock::time_point time, bool utc, const char* format, int digits,
                        const char* suffix) {
    auto since_epoch = time.time_since_epoch();
    auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
    auto micros = std::chrono::duration_cast<std::chrono::microseconds>(since_epoch - seconds).count();
    long long fraction = micros;
    for (int i = digits; i < 6; ++i) fraction /= 10;
    std::time_t whole = seconds.count();
    std::tm fields{};
    if (utc)
        ::gmtime_r(&whole, &fields);
    else
        ::localtime_r(&whole, &fields);
    char text[64];
    std::size_t length = std::strftime(text, sizeof text, format, &fields);
    std::snprintf(text + length, sizeof text - length, ".%0*lld%s", digits, fraction, suffix);
    return text;
}

}  // namespace

std::string iso_time(const std::optional<Clock::time_point>& time) {
    return time ? format_time(*time, true, "%Y-%m-%dT%H:%M:%S", 6, "Z") : "";
}

std::string local_time(Clock::time_point time) {
    return format_time(time, false, "%Y-%m-%d %H:%M:%S", 3, "");
}

}  // namespace jobctl::cli
