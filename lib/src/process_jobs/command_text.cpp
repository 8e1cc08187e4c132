#include "process_jobs/command_text.hpp"

#include <cstdio>

#include "text/display_text.hpp"

namespace jobctl::detail {
namespace {

bool has_control_character(const std::string& text) {
    for (unsigned char c : text)
        if (c < 0x20 || c == 0x7f) return true;
    return false;
}

// Bash's $'...' quoting: control characters and bytes that are not UTF-8
// become escapes, so the text stays one line of valid UTF-8.
std::string ansi_c_quoted(const std::string& argument) {
    std::string quoted = "$'";
    for (std::size_t at = 0; at < argument.size();) {
        auto c = static_cast<unsigned char>(argument[at]);
        std::size_t length = utf8_sequence_length(argument, at);
        if (c == '\n') {
            quoted += "\\n";
        } else if (c == '\t') {
            quoted += "\\t";
        } else if (c == '\'' || c == '\\') {
            quoted += '\\';
            quoted += static_cast<char>(c);
        } else if (c < 0x20 || c == 0x7f || length == 0) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\x%02x", c);
            quoted += escape;
        } else {
            quoted.append(argument, at, length);
            at += length;
            continue;
        }
        ++at;
    }
    return quoted + "'";
}

}  // namespace

std::string command_text(const std::vector<std::string>& argv) {
    std::string text;
    for (const std::string& argument : argv) {
        if (!text.empty()) text += ' ';
        if (has_control_character(argument) || !is_valid_utf8(argument)) {
            text += ansi_c_quoted(argument);
            continue;
        }
        bool plain =
            !argument.empty() && argument.find_first_of(" \t\n'\"\\$`*?;&|<>(){}") == std::string::npos;
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
