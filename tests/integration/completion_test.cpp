// Shell completion through the real programs: the bash script sourced in a
// non-interactive bash with a made-up COMP_WORDS, the zsh and fish scripts
// loaded and asked too, and `jobctl __complete` where the repository is
// missing or damaged.

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

const std::string kScripts = JOBCTL_SOURCE_DIR "/jobctl/completions/";

std::set<std::string> set_of(const std::vector<std::string>& lines) {
    return {lines.begin(), lines.end()};
}

bool has_program(const std::string& program) {
    return shell("command -v " + program + " >/dev/null").exit_code == 0;
}

class Completion : public JobctlTest {
protected:
    // Bash's answer for the command line `line` (cursor at its end), split by
    // bash into `words` (the last one under the cursor).
    std::vector<std::string> bash(const std::string& line, const std::vector<std::string>& words) {
        std::vector<std::string> args{
            "bash",
            "--norc",
            "--noprofile",
            "-c",
            "source \"$1\" && COMP_LINE=$2 && COMP_POINT=${#COMP_LINE} && COMP_WORDS=(\"${@:3}\") && "
            "COMP_CWORD=$((${#COMP_WORDS[@]} - 1)) && _jobctl && printf '%s\\n' \"${COMPREPLY[@]}\"",
            "bash",
            kScripts + "jobctl.bash",
            line};
        args.insert(args.end(), words.begin(), words.end());
        CliResult result = CliProcess(args).finish();
        EXPECT_EQ(result.exit_code, 0) << result.err;
        EXPECT_EQ(result.err, "");
        std::vector<std::string> candidates = lines_of(result.out);
        std::erase(candidates, "");
        return candidates;
    }

    // Two finished jobs, "alpha" and "ci:unit", in the test's repository.
    void start_two_jobs() {
        alpha_ = std::to_string(start({"true"}, "alpha"));
        unit_ = std::to_string(start({"true"}, "ci:unit"));
        CliResult waited = jobctl({"wait", "--timeout", "20s", "-q"});
        ASSERT_EQ(waited.exit_code, 0) << waited.err;
    }

    std::string alpha_, unit_;
};

TEST_F(Completion, BashOffersVerbsOptionsStatesAndJobs) {
    start_two_jobs();
    std::set<std::string> verbs = set_of(bash("jobctl ", {"jobctl", ""}));
    for (const char* verb : {"start", "run", "get", "wait", "receive", "stop", "remove", "foreach", "queue"})
        EXPECT_TRUE(verbs.contains(verb)) << verb;
    EXPECT_FALSE(verbs.contains("__complete"));
    EXPECT_EQ(bash("jobctl st", {"jobctl", "st"}), (std::vector<std::string>{"start", "stop"}));
    EXPECT_TRUE(set_of(bash("jobctl get --st", {"jobctl", "get", "--st"})).contains("--state"));
    EXPECT_EQ(bash("jobctl wait --state Fa", {"jobctl", "wait", "--state", "Fa"}),
              (std::vector<std::string>{"Failed"}));
    // Bash splits at '=' and ':' (COMP_WORDBREAKS); readline replaces what follows.
    EXPECT_EQ(bash("jobctl get --state=Completed,Sto", {"jobctl", "get", "--state", "=", "Completed,Sto"}),
              (std::vector<std::string>{"Completed,Stopping", "Completed,Stopped"}));
    std::set<std::string> jobs = set_of(bash("jobctl receive ", {"jobctl", "receive", ""}));
    EXPECT_EQ(jobs, (std::set<std::string>{alpha_, unit_, "alpha", "ci:unit"}));
    EXPECT_EQ(bash("jobctl stop al", {"jobctl", "stop", "al"}), (std::vector<std::string>{"alpha"}));
    EXPECT_EQ(bash("jobctl remove ci:", {"jobctl", "remove", "ci", ":"}), (std::vector<std::string>{"unit"}));
    EXPECT_EQ(bash("jobctl start --after al", {"jobctl", "start", "--after", "al"}),
              (std::vector<std::string>{"alpha"}));
    EXPECT_TRUE(set_of(bash("jobctl repo ", {"jobctl", "repo", ""})).contains("delete"));
}

TEST_F(Completion, OffersNoJobsAndCreatesNothingWithoutARepository) {
    const std::string program = bin_dir() + "/jobctl";
    CliResult result =
        CliProcess({"env", "JOBCTL_REPOSITORY=never-made", program, "__complete", "get", ""}).finish();
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.out, "none\n");
    EXPECT_EQ(result.err, "");
    EXPECT_FALSE(std::filesystem::exists(home() + "/never-made"));
}

TEST_F(Completion, SaysNothingOfADamagedRepository) {
    {
        std::ofstream table(table_path_of(repository_name()));
        table << "not a job table";
    }
    CliResult result = jobctl({"__complete", "stop", ""});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_EQ(result.out, "none\n");
    EXPECT_EQ(result.err, "");
}

TEST_F(Completion, ZshScriptLoadsAndOffersJobs) {
    if (!has_program("zsh")) GTEST_SKIP() << "zsh is not installed (scripts/setup.sh installs it)";
    EXPECT_EQ(shell("zsh -n " + kScripts + "_jobctl").exit_code, 0);
    start_two_jobs();
    // compdef and _describe are compsys's; stand-ins print what would be offered.
    CliResult result = shell("zsh -f -c 'compdef() { :; }; _describe() { print -rl -- ${(P)4}; }; source " +
                             kScripts + "_jobctl; words=(jobctl get \"\"); CURRENT=3; PREFIX=; _jobctl'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::set<std::string> offered = set_of(lines_of(result.out));
    EXPECT_TRUE(offered.contains("alpha:job " + alpha_)) << result.out;
    EXPECT_TRUE(offered.contains("ci\\:unit:job " + unit_)) << result.out;
}

TEST_F(Completion, FishScriptLoadsAndOffersJobs) {
    if (!has_program("fish")) GTEST_SKIP() << "fish is not installed (scripts/setup.sh installs it)";
    EXPECT_EQ(shell("fish --no-execute " + kScripts + "jobctl.fish").exit_code, 0);
    start_two_jobs();
    CliResult result =
        shell("fish --no-config -c 'source " + kScripts + "jobctl.fish; complete -C \"jobctl wait \"'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    std::set<std::string> offered = set_of(lines_of(result.out));
    EXPECT_TRUE(offered.contains("alpha\tjob " + alpha_)) << result.out;
    EXPECT_TRUE(offered.contains(unit_ + "\tci:unit Completed")) << result.out;
    EXPECT_TRUE(shell("fish --no-config -c 'source " + kScripts + "jobctl.fish; complete -C \"jobctl g\"'")
                    .out.starts_with("get\t"));
}

}  // namespace
}  // namespace jobctl::test
