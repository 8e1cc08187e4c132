#pragma once
// Text that jobctl shows (names, command text, reasons) is UTF-8 that any
// terminal or JSON reader can take. The policy: a job name must be valid
// UTF-8 without control characters (it is refused otherwise); command text
// escapes control characters and bytes that are not UTF-8 ($'\n', $'\xff');
// and whatever is read back from a table is repaired on output (invalid
// bytes become U+FFFD), since a damaged table may hold anything.

#include <string>
#include <string_view>

namespace jobctl::detail {

bool is_valid_utf8(std::string_view text);

// Length of the valid UTF-8 sequence at `text[at]`, or 0 when there is none
// (overlong forms, surrogates and code points above U+10FFFF are invalid).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

// `text` with every byte that does not start or continue a valid UTF-8
// sequence replaced by U+FFFD.
std::string to_valid_utf8(std::string_view text);

}  // namespace jobctl::detail
