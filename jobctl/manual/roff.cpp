#include "roff.hpp"

#include <cctype>

namespace jobctl::manual {
namespace {

// Is the line one of its own in the help text: indented, or labelled
// ("Examples:", "Usage:")?
bool starts_own_line(std::string_view line) {
    if (line.empty() || line[0] == ' ') return true;
    std::size_t word = 0;
    while (word < line.size() && std::isalpha(static_cast<unsigned char>(line[word]))) ++word;
    return word > 0 && word < line.size() && line[word] == ':';
}

}  // namespace

std::string roff_escape(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '\\')
            out += "\\e";
        else if (c == '-')  // an ASCII minus, as options and commands need when copied
            out += "\\-";
        else
            out += c;
        if (c == '\n' && i + 1 < text.size() && (text[i + 1] == '.' || text[i + 1] == '\'')) out += "\\&";
    }
    if (!out.empty() && (out[0] == '.' || out[0] == '\'')) out.insert(0, "\\&");
    return out;
}

std::string bold(std::string_view text) {
    return "\\fB" + roff_escape(text) + "\\fR";
}

std::string italic(std::string_view text) {
    return "\\fI" + roff_escape(text) + "\\fR";
}

void write_title(std::ostream& out, std::string_view name, std::string_view version,
                 std::string_view summary) {
    std::string upper(name);
    for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    out << ".TH " << upper << " 1 \"\" \"jobctl " << version << "\" \"User Commands\"\n";
    out << ".nh\n.ad l\n";  // no hyphenation, ragged right: option names stay whole
    write_section(out, "NAME");
    out << roff_escape(name) << " \\- " << roff_escape(summary) << '\n';
}

void write_section(std::ostream& out, std::string_view heading) {
    out << ".SH " << roff_escape(heading) << '\n';
}

void write_subsection(std::ostream& out, std::string_view heading) {
    out << ".SS \"" << roff_escape(heading) << "\"\n";
}

void write_paragraph(std::ostream& out, std::string_view text) {
    out << ".PP\n";
    bool first = true;
    bool previous_own_line = false;
    while (!text.empty()) {
        std::size_t end = std::min(text.find('\n'), text.size());
        std::string_view line = text.substr(0, end);
        text.remove_prefix(std::min(end + 1, text.size()));
        bool own_line = starts_own_line(line);
        if (!first && (own_line || previous_own_line)) out << ".br\n";
        first = false;
        previous_own_line = own_line;
        line.remove_prefix(std::min(line.find_first_not_of(' '), line.size()));
        if (!line.empty()) out << roff_escape(line) << '\n';
    }
}

void write_item(std::ostream& out, std::string_view tag, std::string_view text) {
    out << ".TP\n" << tag << '\n' << roff_escape(text) << '\n';
}

void write_verbatim(std::ostream& out, std::string_view lines) {
    out << ".PP\n.RS 4\n.nf\n" << roff_escape(lines) << "\n.fi\n.RE\n";
}

}  // namespace jobctl::manual
