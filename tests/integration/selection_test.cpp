// Choosing jobs (wildcards, --command, --has-more-data, --before, --after,
// --finished, --dry-run) and the receive options (--remove, --stream,
// --timestamps, --tail), through the real binaries.

#include <regex>
#include <sstream>

#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Selection = JobctlTest;

// The ids in the first column of a job table, in order.
std::string ids_listed(const CliResult& result) {
    std::string ids;
    static const std::regex kRow("^(\\d+) ");
    std::istringstream lines(result.out);
    for (std::string line; std::getline(lines, line);) {
        std::smatch match;
        if (std::regex_search(line, match, kRow)) ids += match[1].str() + " ";
    }
    return ids;
}

TEST_F(Selection, WildcardsMatchManyAndPlainNamesStayExact) {
    JobId build_a = start({"true"}, "build-a");
    JobId build_b = start({"true"}, "build-b");
    JobId test = start({"true"}, "test");
    for (JobId id : {build_a, build_b, test}) wait_until_finished(id);
    auto ids = [](std::initializer_list<JobId> list) {
        std::string text;
        for (JobId id : list) text += std::to_string(id) + " ";
        return text;
    };
    EXPECT_EQ(ids_listed(jobctl({"get", "build-*"})), ids({build_a, build_b}));
    EXPECT_EQ(ids_listed(jobctl({"get", "?est", "build-a"})), ids({build_a, test}));
    EXPECT_EQ(jobctl({"get", "nothing-*"}).out, "");   // a wildcard may match nothing
    EXPECT_EQ(jobctl({"get", "build"}).exit_code, 3);  // a plain name must exist
    CliResult dry = jobctl({"remove", "--dry-run", "build-*"});
    EXPECT_EQ(dry.exit_code, 0);
    EXPECT_NE(dry.out.find("would remove 2 jobs"), std::string::npos) << dry.out;
    EXPECT_EQ(ids_listed(jobctl({"get"})), ids({build_a, build_b, test}));  // nothing changed
    EXPECT_EQ(jobctl({"remove", "build-*"}).exit_code, 0);
    EXPECT_EQ(ids_listed(jobctl({"get"})), ids({test}));
}

TEST_F(Selection, CommandOutputAndTimeFilters) {
    JobId quiet = start({"true"}, "quiet");
    JobId chatty = start({"echo", "hello"}, "chatty");
    wait_until_finished(quiet);
    wait_until_finished(chatty);
    EXPECT_EQ(ids_listed(jobctl({"get", "--command", "echo *"})), std::to_string(chatty) + " ");
    EXPECT_EQ(ids_listed(jobctl({"get", "--has-more-data"})), std::to_string(chatty) + " ");
    std::string both = std::to_string(quiet) + " " + std::to_string(chatty) + " ";
    EXPECT_EQ(ids_listed(jobctl({"get", "--after", "1h"})), both);
    EXPECT_EQ(jobctl({"get", "--before", "1h"}).out, "");
    EXPECT_EQ(jobctl({"get", "--before", "2000-01-01"}).out, "");
    EXPECT_EQ(ids_listed(jobctl({"get", "--after", "2000-01-01T00:00:00Z"})), both);
    EXPECT_EQ(ids_listed(jobctl({"get", "--after", "2000-01-01 12:00+02:00"})), both);
    for (const char* bad : {"yesterday", "2026-13-01", "2026-11-27T25:00", "-5m"}) {
        CliResult result = jobctl({"get", "--before", bad});
        EXPECT_EQ(result.exit_code, 2) << bad;
        EXPECT_NE(result.err.find("must be a time"), std::string::npos) << result.err;
    }
}

TEST_F(Selection, RemoveFinishedLeavesRunningJobs) {
    JobId done = start({"true"});
    JobId running = start({"sleep", "600"});
    wait_until_finished(done);
    wait_until_running(running);
    CliResult dry = jobctl({"stop", "--dry-run", "--state", "Running"});
    EXPECT_NE(dry.out.find("would stop 1 job"), std::string::npos) << dry.out;
    EXPECT_EQ(repository().find(running)->state, JobState::running);
    EXPECT_EQ(jobctl({"remove", "--finished"}).exit_code, 0);
    EXPECT_FALSE(repository().find(done));
    EXPECT_TRUE(repository().find(running));
    EXPECT_EQ(jobctl({"remove", "--finished", "--state", "Failed"}).exit_code, 2);  // one or the other
    EXPECT_EQ(jobctl({"stop", std::to_string(running)}).exit_code, 0);
}

using ReceiveOptions = JobctlTest;

TEST_F(ReceiveOptions, RemoveWithWaitFollowsRemovesAndGivesWaitsStatus) {
    JobId ok = start({"sh", "-c", "echo fine"}, "ok");
    JobId bad = start({"sh", "-c", "echo broken >&2; exit 4"}, "bad");
    CliResult good = jobctl({"receive", "--wait", "--remove", "ok"});
    EXPECT_EQ(good.exit_code, 0) << good.err;
    EXPECT_EQ(good.out, "fine\n");
    EXPECT_FALSE(repository().find(ok));
    CliResult failed = jobctl({"receive", "--wait", "--remove", "bad"});
    EXPECT_EQ(failed.exit_code, 1);
    EXPECT_NE(failed.err.find("broken\n"), std::string::npos);
    EXPECT_NE(failed.err.find("(bad) Failed: exited with code 4"), std::string::npos) << failed.err;
    EXPECT_FALSE(repository().find(bad));
    EXPECT_EQ(jobctl({"receive", "--remove", "ok"}).exit_code, 2);  // --remove needs --wait
}

TEST_F(ReceiveOptions, StreamLeavesTheOutputUnreceived) {
    JobId id = start({"sh", "-c", "echo one; echo two >&2; echo three"});
    wait_until_finished(id);
    std::string job = std::to_string(id);
    CliResult out = jobctl({"receive", "--stream", "out", job});
    EXPECT_EQ(out.out, "one\nthree\n");
    EXPECT_EQ(out.err, "");
    CliResult err = jobctl({"receive", "--stream", "err", job});
    EXPECT_EQ(err.out, "");
    EXPECT_EQ(err.err, "two\n");
    EXPECT_TRUE(repository().find(id)->has_more_data());  // one log: received whole or not at all
    EXPECT_EQ(jobctl({"receive", "--stream", "both", job}).exit_code, 2);
}

TEST_F(ReceiveOptions, TimestampsAndTail) {
    JobId id = start({"sh", "-c", "printf 'one\\ntwo\\nthree\\nfour\\nfive'"});
    wait_until_finished(id);
    std::string job = std::to_string(id);
    CliResult stamped = jobctl({"receive", "--keep", "--timestamps", job});
    std::string stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z ";
    std::regex stamped_lines(stamp + "one\n" + stamp + "two\n" + stamp + "three\n" + stamp + "four\n" +
                             stamp + "five");
    EXPECT_TRUE(std::regex_match(stamped.out, stamped_lines)) << stamped.out;
    CliResult tail = jobctl({"receive", "--tail", "2", job});
    EXPECT_EQ(tail.out, "four\nfive");
    EXPECT_FALSE(repository().find(id)->has_more_data());  // the whole of it counts as received
    EXPECT_EQ(jobctl({"receive", "--tail", "0", job}).exit_code, 2);
    // Received, it is still there to read again, tail and all (--wait: it has finished).
    EXPECT_EQ(jobctl({"receive", "--tail", "2", "--wait", "--all", job}).out, "four\nfive");
}

// A line of one stream written in pieces, with the other stream's records
// between them, is one line of the tail, not one per piece. (The pauses are
// the command's own: they keep the pieces in records of their own.)
TEST_F(ReceiveOptions, ATailCountsALineWrittenInPiecesOnce) {
    JobId id = start({"sh", "-c", "printf a; sleep 0.1; printf b >&2; sleep 0.1; printf 'c\\n'; echo d"});
    wait_until_finished(id);
    std::string job = std::to_string(id);
    CliResult last_two = jobctl({"receive", "--keep", "--tail", "2", job});
    EXPECT_EQ(last_two.out, "d\n");  // the lines: "ac" (out), "b" (err), "d" (out)
    EXPECT_EQ(last_two.err, "b");
    CliResult last_three = jobctl({"receive", "--tail", "3", job});
    EXPECT_EQ(last_three.out, "ac\nd\n");
    EXPECT_EQ(last_three.err, "b");
}

}  // namespace
}  // namespace jobctl::test
