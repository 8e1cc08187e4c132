// Every bad input: a one-line error on stderr, its documented exit code,
// and nothing in the repository changed.

#include <sys/stat.h>

#include <fstream>

#include "jobctl_test.hpp"
#include "table/segment.hpp"
#include "text/display_text.hpp"

namespace jobctl::test {
namespace {

using BadInput = JobctlTest;

void expect_one_line_error(const CliResult& result, int exit_code) {
    EXPECT_EQ(result.exit_code, exit_code) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    EXPECT_EQ(result.out, "");
}

TEST_F(BadInput, EdgesOfEveryOption) {
    const std::vector<std::vector<std::string>> bad = {
        {"frobnicate"},
        {"strat", "--", "true"},
        {"wait", "--timeout", "nan"},
        {"wait", "--timeout", "inf"},
        {"wait", "--timeout", "-1"},
        {"wait", "--timeout", ""},
        {"wait", "--timeout", "1e300"},
        {"stop", "--grace", "nan"},
        {"stop", "--timeout", "-0.5"},
        {"start", "--json", "-q", "--", "true"},
        {"start", "--name", "", "--", "true"},
        {"start", "--name", std::string(64, 'n'), "--", "true"},
        {"start", "--name", "two\nlines", "--", "true"},
        {"start", "--name", "bell\a", "--", "true"},
        {"start", "--name", "not\xffutf8", "--", "true"},
        {"start", "--name", "-dash", "--", "true"},
        {"start", "--", ""},
        {"run", "--name", "tab\there", "--", "true"},
        {"foreach", "--name", "\x1b[31m", "--", "true", ":::", "1"},
        {"foreach", "-j", "-1", "--", "true", ":::", "1"},
        {"get", "--state", "Sleeping"},
        {"get", "--newest", "-3"},
        {"repository", "--frob"},
    };
    for (const auto& args : bad) {
        SCOPED_TRACE(args[0] + " " + (args.size() > 1 ? args[1] : ""));
        expect_one_line_error(jobctl(args), 2);
    }
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(BadInput, GetJsonIsValidUtf8WhateverTheCommand) {
    JobId id = start({"printf", "%s", "x\xff\n\x01y"});
    wait_until_finished(id);
    CliResult listed = jobctl({"get", "--json"});
    EXPECT_EQ(listed.exit_code, 0);
    EXPECT_TRUE(detail::is_valid_utf8(listed.out)) << listed.out;
    EXPECT_NE(listed.out.find("$'x\\\\xff\\\\n\\\\x01y'"), std::string::npos) << listed.out;
}

TEST_F(BadInput, UnknownJob) {
    expect_one_line_error(jobctl({"get", "42"}), 3);
    expect_one_line_error(jobctl({"receive", "nosuch"}), 3);
    expect_one_line_error(jobctl({"stop", "nosuch"}), 3);
    expect_one_line_error(jobctl({"remove", "7"}), 3);
}

TEST_F(BadInput, AmbiguousName) {
    JobId a = start({"true"}, "twin");
    JobId b = start({"true"}, "twin");
    CliResult result = jobctl({"stop", "twin"});  // get, which only reads, takes both (first_hour_cli_test)
    expect_one_line_error(result, 2);
    EXPECT_NE(result.err.find(std::to_string(a)), std::string::npos);
    EXPECT_NE(result.err.find(std::to_string(b)), std::string::npos);
}

TEST_F(BadInput, BadOptionsAndMissingCommand) {
    expect_one_line_error(jobctl({"get", "--bogus"}), 2);
    expect_one_line_error(jobctl({"start"}), 2);
    expect_one_line_error(jobctl({"start", "--"}), 2);
    expect_one_line_error(jobctl({"wait", "--timeout", "soon"}), 2);
    expect_one_line_error(jobctl({"get", "--state", "Sleeping"}), 2);
    expect_one_line_error(jobctl({"frobnicate"}), 2);
    expect_one_line_error(jobctl({"stop"}), 2);
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(BadInput, OverlongOrNumericName) {
    expect_one_line_error(jobctl({"start", "--name", std::string(64, 'x'), "--", "true"}), 2);
    expect_one_line_error(jobctl({"start", "--name", "12", "--", "true"}), 2);
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(BadInput, NonexistentProgram) {
    CliResult result = jobctl({"start", "--", "/no/such/program"});
    expect_one_line_error(result, 8);
    EXPECT_NE(result.err.find("/no/such/program"), std::string::npos);
    expect_one_line_error(jobctl({"start", "--", "no-such-program-jobctl"}), 8);
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(BadInput, FullRepository) {
    ::setenv("JOBCTL_CAPACITY", "2", 1);
    // Output nobody received: jobs a full table may not evict to make room.
    start({"echo", "unreceived"});
    start({"echo", "unreceived"});
    CliResult result = jobctl({"start", "--", "true"});
    ::unsetenv("JOBCTL_CAPACITY");
    expect_one_line_error(result, 7);
    EXPECT_NE(result.err.find("full"), std::string::npos);
    EXPECT_EQ(repository().list().size(), 2u);
}

TEST_F(BadInput, DamagedSegment) {
    std::string path = table_path_of(repository_name());
    {
        std::ofstream garbage(path, std::ios::binary);
        garbage << std::string(1 << 20, '\x5a');
    }
    ::chmod(path.c_str(), 0600);
    CliResult result = jobctl({"get"});
    expect_one_line_error(result, 6);
    EXPECT_NE(result.err.find(path), std::string::npos);
    expect_one_line_error(jobctl({"start", "--", "true"}), 6);
    std::ifstream after(path, std::ios::binary);
    EXPECT_EQ(std::string((std::istreambuf_iterator<char>(after)), {}), std::string(1 << 20, '\x5a'));
    ::unlink(path.c_str());
}

TEST_F(BadInput, ForeignSegment) {
    if (::geteuid() != 0) GTEST_SKIP() << "only root can make a segment of another user";
    repository();
    std::string path = table_path_of(repository_name());
    ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
    CliResult result = jobctl({"get"});
    expect_one_line_error(result, 6);
    EXPECT_NE(result.err.find("another user"), std::string::npos);
    ASSERT_EQ(::chown(path.c_str(), 0, 0), 0);
}

TEST_F(BadInput, HelpAndVersionSucceed) {
    for (const char* command : {"start", "get", "wait", "receive", "stop", "remove"}) {
        CliResult result = jobctl({command, "--help"});
        EXPECT_EQ(result.exit_code, 0) << command;
        EXPECT_NE(result.out.find("Usage"), std::string::npos) << command;
    }
    EXPECT_EQ(jobctl({"--help"}).exit_code, 0);
    EXPECT_EQ(jobctl({"--version"}).exit_code, 0);
}

}  // namespace
}  // namespace jobctl::test
