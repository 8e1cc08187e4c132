// The manual cannot fall behind the command line: the generated man pages
// render without a warning and hold every verb and option that --help
// shows. The man page is the reference; the README and the guide link to it
// (docs/decisions/0051), and their examples are run by tests/docs/.

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

// The README leaves the reference to the man page: it must say where that is,
// and where the guide is.
TEST(Readme, PointsToTheManPageAndTheGuide) {
    std::string readme = read_file(JOBCTL_SOURCE_DIR "/README.md");
    ASSERT_FALSE(readme.empty());
    EXPECT_NE(readme.find("`man jobctl`"), std::string::npos);
    EXPECT_NE(readme.find("(docs/guide.md)"), std::string::npos);
}

}  // namespace
}  // namespace jobctl::test
