#include "seconds_option.hpp"

#include <cmath>
#include <cstdlib>

namespace jobctl::cli {

CLI::Validator seconds_up_to(double max_seconds) {
    return CLI::Validator(
        [max_seconds](std::string& text) -> std::string {
            char* end = nullptr;
            double value = std::strtod(text.c_str(), &end);
            if (text.empty() || *end != '\0' || !std::isfinite(value) || value < 0 || value > max_seconds)
                return "must be a number of seconds from 0 to " +
                       std::to_string(static_cast<long long>(max_seconds)) + ", not '" + text + "'";
            return "";
        },
        "SECONDS");
}

std::chrono::milliseconds to_milliseconds(double seconds) {
    return std::chrono::milliseconds(static_cast<std::int64_t>(std::ceil(seconds * 1000)));
}

}  // namespace jobctl::cli
