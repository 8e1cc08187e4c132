#include "help_formatter.hpp"

#include <array>
#include <cctype>
#include <utility>

namespace jobctl::cli {
namespace {

// CLI11's names of value types, in words a reader of --help expects.
std::string word_for_type(const std::string& type) {
    constexpr std::array<std::pair<std::string_view, std::string_view>, 5> kWords{{
        {"UINT", "N"},
        {"INT", "N"},
        {"FLOAT", "NUMBER"},
        {"TEXT", "VALUE"},
        {"BOOLEAN", "BOOL"},
    }};
    for (const auto& [cli11, word] : kWords)
        if (type == cli11) return std::string(word);
    return type;
}

bool is_word(const std::string& text) {
    return !text.empty() && text.find_first_not_of("ABCDEFGHIJKLMNOPQRSTUVWXYZ_=") == std::string::npos;
}

}  // namespace

std::string value_placeholder(const CLI::Option& option) {
    std::string type = option.get_type_name();  // "TYPE", or "TYPE:CHECK:CHECK..."
    std::size_t colon = type.find(':');
    std::string first = word_for_type(type.substr(0, colon));
    if (first == "VALUE" && option.get_positional()) {  // "jobs JOBS ...", "name NAME"
        first = option.get_name(true);
        for (char& c : first) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    if (colon == std::string::npos) return first;
    std::string check = type.substr(colon + 1);
    if (check.starts_with("{")) return check.substr(0, check.find('}') + 1);  // the values it takes
    return is_word(check) ? check : first;  // a check named in words ("NAME") names the value
}

std::string HelpFormatter::make_option_opts(const CLI::Option* option) const {
    std::string opts = CLI::Formatter::make_option_opts(option);
    std::string type = option->get_type_name();
    if (std::size_t at = opts.find(type); !type.empty() && at != std::string::npos)
        opts.replace(at, type.size(), value_placeholder(*option));
    return opts;
}

}  // namespace jobctl::cli
