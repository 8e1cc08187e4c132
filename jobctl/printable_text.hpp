#pragma once
// Text from outside (job names, commands, reasons with paths, locations,
// what a user typed) made safe for a terminal, as ls and ps do: control
// characters are shown escaped, so that an escape sequence in a file name
// cannot set the terminal's title or clear its screen, and a newline cannot
// split a one-line message. JSON output needs none of this (its strings are
// escaped already); the output of a job itself is passed through untouched.

#include <string>
#include <string_view>

namespace jobctl::cli {

// `text` with C0 controls, DEL and C1 controls (U+0080..U+009F) escaped:
// \n \t \r \e \a \b \f \v, else \xHH (\u0085 for a C1 control). Bytes that
// are not UTF-8 are shown \xHH. Everything else, wide characters included,
// is kept as it is.
std::string printable(std::string_view text);

}  // namespace jobctl::cli
