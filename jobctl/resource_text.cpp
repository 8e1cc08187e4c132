#include "resource_text.hpp"

#include <cstdio>

namespace jobctl::cli {
namespace {

// Seconds with two decimals below a minute, then the two largest units.
std::string elapsed_text(std::chrono::microseconds time) {
    using namespace std::chrono;
    char text[32];
    if (time < minutes(1)) {
        std::snprintf(text, sizeof text, "%.2fs", duration<double>(time).count());
        return text;
    }
    auto total = duration_cast<seconds>(time).count();
    if (time < hours(1))
        std::snprintf(text, sizeof text, "%lldm%02llds", static_cast<long long>(total / 60),
                      static_cast<long long>(total % 60));
    else if (time < hours(24))
        std::snprintf(text, sizeof text, "%lldh%02lldm", static_cast<long long>(total / 3600),
                      static_cast<long long>(total / 60 % 60));
    else
        std::snprintf(text, sizeof text, "%lldd%02lldh", static_cast<long long>(total / 86400),
                      static_cast<long long>(total / 3600 % 24));
    return text;
}

}  // namespace

std::string run_time_text(const JobInfo& job, Clock::time_point now) {
    if (!job.began) return "";
    Clock::time_point end = job.ended.value_or(now);
    if (end < *job.began) return "0.00s";
    return elapsed_text(std::chrono::duration_cast<std::chrono::microseconds>(end - *job.began));
}

std::string cpu_time_text(std::chrono::microseconds time) {
    return elapsed_text(time);
}

std::string memory_text(std::uint64_t bytes) {
    static constexpr const char* kUnits[] = {"K", "M", "G", "T"};
    double value = static_cast<double>(bytes) / 1024;
    std::size_t unit = 0;
    while (value >= 1024 && unit + 1 < std::size(kUnits)) {
        value /= 1024;
        ++unit;
    }
    char text[32];
    std::snprintf(text, sizeof text, value < 10 && unit > 0 ? "%.1f%s" : "%.0f%s", value, kUnits[unit]);
    return text;
}

}  // namespace jobctl::cli
