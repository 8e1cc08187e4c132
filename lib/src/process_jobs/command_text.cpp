#include "process_jobs/command_text.hpp"

namespace jobctl::detail {

std::string command_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const std::string& argument : argv) {
        if (!text.empty()) text += ' ';
        bool plain = !argument.empty() && argument.find_first_of(" \t\n'\"\\$`*?;&|<>(){}") == std::string::npos;
        if (plain) {
            text += argument;
            continue;
        }
        text += '\'';
        for (char c : argument) text += c == '\'' ? std::string("'\\''") : std::string(1, c);
        text += '\'';
    }
    return text;
}

}  // namespace jobctl::detail
