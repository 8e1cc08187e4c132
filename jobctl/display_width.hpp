#pragma once
// How wide text is on a terminal: wcwidth for each code point (a CJK
// character or an emoji takes two columns, a combining mark none), read in
// UTF-8 whatever the caller's locale. And how wide the terminal is.

#include <cstddef>
#include <string>
#include <string_view>

namespace jobctl::cli {

// Columns `text` (UTF-8, already made printable) takes on a terminal.
std::size_t display_width(std::string_view text);

// `text` cut to at most `columns` columns, ending in "…" when it was cut.
std::string cut_to_width(std::string_view text, std::size_t columns);

// The width that output on stdout must fit: $COLUMNS when it is set (as ls
// reads it), else the terminal's when stdout is one, else 0 (no limit: a
// pipe or a file gets whole lines).
std::size_t output_columns();

}  // namespace jobctl::cli
