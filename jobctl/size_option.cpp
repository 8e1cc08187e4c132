#include "size_option.hpp"

#include <array>
#include <cctype>

namespace jobctl::cli {
namespace {

constexpr std::array<char, 4> kUnits = {'K', 'M', 'G', 'T'};

// The power of 1024 a unit names ("B", "K", "KB", "KiB", ...; none:
// `bare`), or -1.
int unit_power(std::string_view unit, int bare) {
    if (unit.empty()) return bare;
    if (unit == "B" || unit == "b") return 0;
    char first = static_cast<char>(std::toupper(static_cast<unsigned char>(unit[0])));
    std::string_view rest = unit.substr(1);
    if (!(rest.empty() || rest == "B" || rest == "b" || rest == "iB" || rest == "ib")) return -1;
    for (std::size_t i = 0; i < kUnits.size(); ++i)
        if (kUnits[i] == first) return static_cast<int>(i) + 1;
    return -1;
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text, int bare_power) {
    std::size_t digits = 0;
    while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
    if (digits == 0 || digits > 19) return std::nullopt;
    int power = unit_power(text.substr(digits), bare_power);
    if (power < 0) return std::nullopt;
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < digits; ++i) value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
    for (int i = 0; i < power; ++i) {
        if (value > UINT64_MAX / 1024) return std::nullopt;
        value *= 1024;
    }
    return value;
}

std::string format_size(std::uint64_t bytes) {
    int power = 0;
    while (power < static_cast<int>(kUnits.size()) && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        ++power;
    }
    return std::to_string(bytes) + (power == 0 ? "" : std::string(1, kUnits[power - 1]));
}

CLI::Validator zero_or_at_least(std::uint64_t minimum) {
    return CLI::Validator(
        [minimum](std::string& text) -> std::string {
            auto size = parse_size(text);
            return size && *size != 0 && *size < minimum
                       ? "must be 0 or at least " + format_size(minimum) + ", not '" + text + "'"
                       : "";
        },
        "");
}

CLI::Option* add_size_option(CLI::App& command, const std::string& name, std::optional<std::uint64_t>& target,
                             const std::string& description) {
    return command
        .add_option_function<std::string>(
            name, [&target](const std::string& text) { target = parse_size(text); }, description)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return parse_size(text) ? ""
                                        : "must be a size: bytes, or a whole number with K, M, G or T "
                                          "(64K, 16M), not '" +
                                              text + "'";
            },
            ""))
        ->type_name("SIZE");
}

}  // namespace jobctl::cli
