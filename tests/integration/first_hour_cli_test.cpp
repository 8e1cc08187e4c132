// A newcomer's first hour (issue 25), the command line's later items: each
// checked through the real jobctl binary. Jobs that must not end by
// themselves wait at a FIFO gate; every wait goes through the repository.

#include <regex>

#include "fifo_gate.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using FirstHourCli = JobctlTest;

// receive --all prints a job's whole output again, as often as asked, and
// marks nothing received: what was unreceived stays so.
TEST_F(FirstHourCli, ReceiveAllReadsTheWholeOutputAgain) {
    JobId id = start({"sh", "-c", "echo one; echo two >&2; echo three"});
    wait_until_finished(id);
    std::string job = std::to_string(id);
    for (int again = 0; again < 2; ++again) {
        CliResult all = jobctl({"receive", "--all", job});
        EXPECT_EQ(all.exit_code, 0) << all.err;
        EXPECT_EQ(all.out, "one\nthree\n");
        EXPECT_EQ(all.err, "two\n");
        EXPECT_TRUE(repository().find(id)->has_more_data()) << "reading again receives nothing";
    }
    EXPECT_EQ(jobctl({"receive", job}).out, "one\nthree\n");
    EXPECT_FALSE(repository().find(id)->has_more_data());
    EXPECT_EQ(jobctl({"receive", job}).out, "") << "received: a plain receive has nothing left";
    EXPECT_EQ(jobctl({"receive", "-a", job}).out, "one\nthree\n") << "but --all still reads it";
    EXPECT_FALSE(repository().find(id)->has_more_data());

    EXPECT_EQ(jobctl({"receive", "--all", "--stream", "out", job}).out, "one\nthree\n");
    CliResult err = jobctl({"receive", "--all", "--stream", "err", job});
    EXPECT_EQ(err.out, "");
    EXPECT_EQ(err.err, "two\n");
    EXPECT_EQ(jobctl({"receive", "--all", "--tail", "1", "--stream", "out", job}).out, "three\n");
    std::string stamp = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{6}Z ";
    CliResult stamped = jobctl({"receive", "--all", "--timestamps", "--stream", "out", job});
    EXPECT_TRUE(std::regex_match(stamped.out, std::regex(stamp + "one\n" + stamp + "three\n")))
        << stamped.out;

    CliResult both = jobctl({"receive", "--all", "--keep", job});
    EXPECT_EQ(both.exit_code, 2) << "--all already keeps: one or the other";
    EXPECT_EQ(jobctl({"receive", "--all", "9999"}).exit_code, 3);
}

// --all --tail N --wait: the last N lines so far, then the rest as it
// comes (tail -f), still marking nothing received; --tail --wait --keep too.
TEST_F(FirstHourCli, ReceiveAllFollowsOnFromItsTail) {
    for (std::string mode : {"--all", "--keep"}) {
        FifoGate gate(home() + "/gate" + mode);
        JobId id = start({"sh", "-c", "printf 'a\\nb\\n'; " + gate.wait_command() + "; echo c"});
        std::string job = std::to_string(id);
        wait_for(id, [](const JobInfo& info) { return info.output_bytes > 0; });
        CliProcess follower({"jobctl", "receive", mode, "--tail", "1", "--wait", job});
        ASSERT_TRUE(asleep_on_the_repository(follower.pid())) << "it has printed its tail and follows";
        gate.release();
        CliResult followed = follower.finish();
        EXPECT_EQ(followed.exit_code, 0) << followed.err;
        EXPECT_EQ(followed.out, "b\nc\n") << mode;
        EXPECT_TRUE(repository().find(id)->has_more_data()) << mode;
        EXPECT_EQ(jobctl({"receive", job}).out, "a\nb\nc\n") << mode;
    }
}

// A parent's --all: each child's whole output, then its own, every time.
TEST_F(FirstHourCli, ReceiveAllOfAParentGivesEveryChildsOutput) {
    CliResult started = jobctl({"foreach", "--as-job", "-q", "--", "echo", "{}", ":::", "x", "y"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    ASSERT_EQ(jobctl({"wait", std::to_string(parent)}).exit_code, 0);
    EXPECT_EQ(jobctl({"receive", std::to_string(parent)}).out, "x\ny\n");
    EXPECT_EQ(jobctl({"receive", "--all", std::to_string(parent)}).out, "x\ny\n");
    EXPECT_EQ(jobctl({"receive", "--all", std::to_string(parent)}).out, "x\ny\n");
}

// A name two jobs share: the verbs that only read take both (Get-Job
// -Name); those that change or consume jobs refuse, listing the ids, and
// change nothing.
TEST_F(FirstHourCli, ReadOnlyVerbsSelectEveryJobOfAName) {
    JobId first = start({"echo", "one"}, "dup");
    JobId second = start({"echo", "two"}, "dup");
    std::string ids = std::to_string(first) + ", " + std::to_string(second);
    CliResult waited = jobctl({"wait", "dup"});
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
    CliResult got = jobctl({"get", "dup"});
    EXPECT_EQ(got.exit_code, 0) << got.err;
    EXPECT_EQ(lines_of(got.out).size(), 3u) << got.out;  // heading and both jobs
    CliResult json = jobctl({"get", "--json", "dup"});
    EXPECT_NE(json.out.find("\"id\": " + std::to_string(second)), std::string::npos) << json.out;
    EXPECT_EQ(jobctl({"watch", "dup"}).exit_code, 0);
    EXPECT_EQ(jobctl({"receive", "--keep", "dup"}).out, "one\ntwo\n");
    EXPECT_EQ(jobctl({"receive", "--all", "dup"}).out, "one\ntwo\n");

    for (const std::vector<std::string>& verb : {std::vector<std::string>{"receive", "dup"},
                                                 {"remove", "dup"},
                                                 {"stop", "dup"},
                                                 {"receive", "--all", "--wait", "--remove", "dup"}}) {
        CliResult refused = jobctl(verb);
        EXPECT_EQ(refused.exit_code, 2) << verb[0];
        EXPECT_EQ(refused.out, "");
        EXPECT_NE(refused.err.find("name 'dup' matches jobs " + ids + ": name the one"), std::string::npos)
            << refused.err;
        EXPECT_EQ(lines_of(refused.err).size(), 1u) << refused.err;
    }
    EXPECT_EQ(repository().list().size(), 2u);
    EXPECT_TRUE(repository().find(first)->has_more_data()) << "nothing was received";
}

}  // namespace
}  // namespace jobctl::test
