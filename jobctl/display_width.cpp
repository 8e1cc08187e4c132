#include "display_width.hpp"

#include <locale.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdlib>
#include <cwchar>

namespace jobctl::cli {
namespace {

// One code point from the front of `text` (a byte that is no valid UTF-8 counts as one column).
struct CodePoint {
    char32_t value;
    std::size_t length;
};

CodePoint next_code_point(std::string_view text) {
    auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
    unsigned char lead = byte(0);
    std::size_t length = lead < 0x80             ? 1
                         : (lead & 0xE0) == 0xC0 ? 2
                         : (lead & 0xF0) == 0xE0 ? 3
                         : (lead & 0xF8) == 0xF0 ? 4
                                                 : 0;
    if (length == 0 || length > text.size()) return {U'?', 1};
    char32_t value = length == 1 ? lead : lead & (0x7F >> length);
    for (std::size_t i = 1; i < length; ++i) {
        if ((byte(i) & 0xC0) != 0x80) return {U'?', 1};
        value = (value << 6) | (byte(i) & 0x3F);
    }
    return {value, length};
}

// wcwidth in a UTF-8 locale for this thread only, whatever LC_CTYPE the process has.
int columns_of(char32_t value) {
    static locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (value < 0x80) return 1;  // printable() has escaped the controls
    if (!utf8) return 1;
    locale_t previous = ::uselocale(utf8);
    int width = ::wcwidth(static_cast<wchar_t>(value));
    ::uselocale(previous);
    return width < 0 ? 1 : width;
}

}  // namespace

std::size_t display_width(std::string_view text) {
    std::size_t width = 0;
    while (!text.empty()) {
        CodePoint point = next_code_point(text);
        width += static_cast<std::size_t>(columns_of(point.value));
        text.remove_prefix(point.length);
    }
    return width;
}

std::string cut_to_width(std::string_view text, std::size_t columns) {
    if (display_width(text) <= columns) return std::string(text);
    if (columns == 0) return "";
    std::string cut;
    std::size_t width = 0;
    while (!text.empty()) {
        CodePoint point = next_code_point(text);
        auto next = static_cast<std::size_t>(columns_of(point.value));
        if (width + next > columns - 1) break;  // one column left for the ellipsis
        cut.append(text.substr(0, point.length));
        width += next;
        text.remove_prefix(point.length);
    }
    return cut + "…";
}

std::size_t output_columns() {
    if (const char* columns = std::getenv("COLUMNS"); columns && *columns) {
        char* end = nullptr;
        long value = std::strtol(columns, &end, 10);
        if (*end == '\0' && value > 0 && value < 100'000) return static_cast<std::size_t>(value);
    }
    winsize size{};
    if (::isatty(STDOUT_FILENO) && ::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0)
        return size.ws_col;
    return 0;
}

}  // namespace jobctl::cli
