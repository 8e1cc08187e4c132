#pragma once
// Writing man pages in the man(7) macros: text escaped for roff, and the
// few constructs the pages use.

#include <ostream>
#include <string>
#include <string_view>

namespace jobctl::manual {

// `text` as roff text: backslashes escaped, every '-' a minus sign (not a
// hyphen: options and commands must copy as typed), a line starting with
// '.' or '\'' kept literal.
std::string roff_escape(std::string_view text);
std::string bold(std::string_view text);
std::string italic(std::string_view text);

// .TH, then the NAME section: "NAME \- summary".
void write_title(std::ostream& out, std::string_view name, std::string_view version,
                 std::string_view summary);
void write_section(std::ostream& out, std::string_view heading);     // .SH
void write_subsection(std::ostream& out, std::string_view heading);  // .SS
// A paragraph of help text as --help prints it. A line that is indented or
// starts with a label ("Examples:") stays a line of its own; the other
// lines are filled.
void write_paragraph(std::ostream& out, std::string_view text);
// A tagged paragraph (.TP): `tag` is roff already (bold(), italic()).
void write_item(std::ostream& out, std::string_view tag, std::string_view text);
// Lines shown as they are, indented (commands of an example).
void write_verbatim(std::ostream& out, std::string_view lines);

}  // namespace jobctl::manual
