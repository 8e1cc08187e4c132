#include "printable_text.hpp"

#include <cstdio>

namespace jobctl::cli {
namespace {

std::string hex_escape(const char* prefix, unsigned value, int digits) {
    char text[16];
    std::snprintf(text, sizeof text, "%s%0*X", prefix, digits, value);
    return text;
}

std::string control_escape(unsigned char c) {
    switch (c) {
        case '\n':
            return "\\n";
        case '\t':
            return "\\t";
        case '\r':
            return "\\r";
        case 0x1B:
            return "\\e";
        case '\a':
            return "\\a";
        case '\b':
            return "\\b";
        case '\f':
            return "\\f";
        case '\v':
            return "\\v";
        default:
            return hex_escape("\\x", c, 2);
    }
}

// Length of the valid UTF-8 sequence at the start of `text` (1 to 4), or 0.
std::size_t utf8_length(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    std::size_t length = lead < 0x80                    ? 1
                         : lead >= 0xC2 && lead <= 0xDF ? 2
                         : lead >= 0xE0 && lead <= 0xEF ? 3
                         : lead >= 0xF0 && lead <= 0xF4 ? 4
                                                        : 0;
    if (length == 0 || length > text.size()) return 0;
    for (std::size_t i = 1; i < length; ++i)
        if ((byte(i) & 0xC0) != 0x80) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // surrogate
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // past U+10FFFF
    return length;
}

}  // namespace

std::string printable(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    while (!text.empty()) {
        auto c = static_cast<unsigned char>(text[0]);
        if (c < 0x20 || c == 0x7F) {
            out += control_escape(c);
            text.remove_prefix(1);
            continue;
        }
        std::size_t length = utf8_length(text);
        if (length == 0) {
            out += hex_escape("\\x", c, 2);
            text.remove_prefix(1);
            continue;
        }
        if (length == 2 && c == 0xC2 && static_cast<unsigned char>(text[1]) < 0xA0) {  // C1 control
            out += hex_escape("\\u", static_cast<unsigned char>(text[1]), 4);
            text.remove_prefix(2);
            continue;
        }
        out.append(text.substr(0, length));
        text.remove_prefix(length);
    }
    return out;
}

}  // namespace jobctl::cli
