// The manual cannot fall behind the command line: the generated man pages
// render without a warning and hold every verb and option that --help
// shows, and the README documents each of them where the verb is described.

#include <gtest/gtest.h>

#include <cctype>
#include <fstream>
#include <sstream>

#include "cli_runner.hpp"

namespace jobctl::test {
namespace {

const std::string kManDir = JOBCTL_MAN_DIR;

// The lines of one part of a --help text ("Options:", "Subcommands:").
std::vector<std::string> part_of(const std::string& help, const std::string& title) {
    std::vector<std::string> part;
    bool inside = false;
    for (const std::string& line : lines_of(help)) {
        if (line == title)
            inside = true;
        else if (inside && line.empty())
            break;
        else if (inside)
            part.push_back(line);
    }
    return part;
}

// A verb as --help shows it: "repository delete", its long options.
struct HelpedVerb {
    std::string path;
    std::vector<std::string> options;  // "--name", without --help
};

// Every verb of `jobctl PATH --help` (every verb of jobctl for an empty
// path), and theirs, each with the long options its own --help lists.
void collect_verbs(const std::string& path, std::vector<HelpedVerb>& verbs) {
    std::vector<std::string> args;
    std::istringstream words(path);
    for (std::string word; words >> word;) args.push_back(word);
    args.push_back("--help");
    CliResult help = jobctl(args);
    ASSERT_EQ(help.exit_code, 0) << help.err;
    if (!path.empty()) {
        HelpedVerb verb{path, {}};
        for (const std::string& line : part_of(help.out, "Options:")) {
            if (!line.starts_with("  -")) continue;  // a description's second line
            std::istringstream names(line.substr(2, line.find(' ', 2) - 2));
            for (std::string name; std::getline(names, name, ',');)
                if (name.starts_with("--") && name != "--help") verb.options.push_back(name);
        }
        verbs.push_back(verb);
    }
    for (const std::string& line : part_of(help.out, "Subcommands:")) {
        std::string name = line.substr(2, line.find_first_of(" ,", 2) - 2);
        collect_verbs(path.empty() ? name : path + " " + name, verbs);
    }
}

std::vector<HelpedVerb> helped_verbs() {
    std::vector<HelpedVerb> verbs;
    collect_verbs("", verbs);
    return verbs;
}

// Does `text` name `option` as a whole ("--keep" is not in "--keep-jobs")?
bool mentions(const std::string& text, const std::string& option) {
    for (std::size_t at = text.find(option); at != std::string::npos; at = text.find(option, at + 1)) {
        std::size_t end = at + option.size();
        if (end == text.size() || !(std::isalnum(static_cast<unsigned char>(text[end])) || text[end] == '-'))
            return true;
    }
    return false;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(ManPages, RenderWithoutWarnings) {
    for (const char* page : {"jobctl.1", "jobctl-worker.1"}) {
        CliResult result = shell("MANROFFSEQ='' MANWIDTH=80 man --warnings -E UTF-8 -l " + kManDir + "/" +
                                 page + " 2>&1 >/dev/null");
        EXPECT_EQ(result.exit_code, 0) << page;
        EXPECT_EQ(result.out, "") << page;
    }
}

TEST(ManPages, HoldEveryVerbAndOptionOfHelp) {
    CliResult page = shell("MANWIDTH=80 man -E UTF-8 -l " + kManDir + "/jobctl.1");
    ASSERT_EQ(page.exit_code, 0) << page.err;
    std::vector<HelpedVerb> verbs = helped_verbs();
    ASSERT_GE(verbs.size(), 12u);
    for (const HelpedVerb& verb : verbs) {
        EXPECT_NE(page.out.find("\n   jobctl " + verb.path + "\n"), std::string::npos) << verb.path;
        for (const std::string& option : verb.options)
            EXPECT_TRUE(mentions(page.out, option)) << verb.path << " " << option;
    }
    for (const char* section : {"EXIT STATUS", "ENVIRONMENT", "FILES", "EXAMPLES"})
        EXPECT_NE(page.out.find(std::string("\n") + section + "\n"), std::string::npos) << section;
}

// The README text about `verb`: the section whose heading starts with it
// (down to the next heading as high), and lines that start "jobctl VERB "
// (the synopsis). Code blocks hold no headings.
std::string readme_about(const std::vector<std::string>& readme, const std::string& path) {
    std::string verb = path.substr(0, path.find(' '));
    std::string about;
    std::size_t level = 0;  // of the verb's heading while inside its section
    bool in_code = false;
    for (const std::string& line : readme) {
        if (line.starts_with("```")) in_code = !in_code;
        std::size_t hashes = line.find_first_not_of('#');
        if (!in_code && hashes > 0 && hashes != std::string::npos && line[hashes] == ' ') {
            if (level != 0 && hashes <= level) level = 0;
            std::string heading = line.substr(hashes + 1);
            if (level == 0 && heading.starts_with(verb) &&
                (heading.size() == verb.size() ||
                 std::string(":( ").find(heading[verb.size()]) != std::string::npos))
                level = hashes;
        }
        if (level != 0 || line.starts_with("jobctl " + path + " ")) about += line + "\n";
    }
    return about;
}

TEST(Readme, DocumentsEveryVerbAndOptionOfHelp) {
    std::vector<std::string> readme = lines_of(read_file(JOBCTL_SOURCE_DIR "/README.md"));
    ASSERT_FALSE(readme.empty());
    for (const HelpedVerb& verb : helped_verbs()) {
        std::string about = readme_about(readme, verb.path);
        // A synopsis with [SELECTION] takes the options "Choosing jobs" documents once for all.
        if (about.find("[SELECTION]") != std::string::npos) about += readme_about(readme, "Choosing jobs");
        EXPECT_NE(about.find("jobctl " + verb.path), std::string::npos)
            << "the README has no synopsis line or section for 'jobctl " << verb.path << "'";
        for (const std::string& option : verb.options)
            EXPECT_TRUE(mentions(about, option))
                << "the README does not document 'jobctl " << verb.path << " " << option
                << "' (in the verb's section or its synopsis line)";
    }
}

// The first word of each entry of a section of the rendered page
// (entries are indented 7 spaces, their text more).
std::vector<std::string> entries_of(const std::string& page, const std::string& section) {
    std::vector<std::string> entries;
    bool inside = false;
    for (const std::string& line : lines_of(page)) {
        if (!line.empty() && line[0] != ' ')
            inside = line == section;
        else if (inside && line.size() > 7 && line.starts_with("       ") && line[7] != ' ')
            entries.push_back(line.substr(7, line.find(' ', 7) - 7));
    }
    return entries;
}

TEST(Readme, HasTheManPagesExitCodesAndVariables) {
    std::string readme = read_file(JOBCTL_SOURCE_DIR "/README.md");
    CliResult page = shell("MANWIDTH=80 man -E UTF-8 -l " + kManDir + "/jobctl.1");
    ASSERT_EQ(page.exit_code, 0) << page.err;
    std::vector<std::string> codes = entries_of(page.out, "EXIT STATUS");
    EXPECT_GE(codes.size(), 10u);
    for (const std::string& code : codes)
        EXPECT_NE(readme.find("\n| " + code + " |"), std::string::npos) << "exit code " << code;
    std::vector<std::string> variables = entries_of(page.out, "ENVIRONMENT");
    EXPECT_GE(variables.size(), 4u);
    for (const std::string& variable : variables)
        EXPECT_NE(readme.find("| `" + variable + "` |"), std::string::npos) << variable;
}

}  // namespace
}  // namespace jobctl::test
