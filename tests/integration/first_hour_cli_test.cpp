// A newcomer's first hour (issue 25), the command line's later items: each
// checked through the real jobctl binary. Jobs that must not end by
// themselves wait at a FIFO gate; every wait goes through the repository.

#include <fcntl.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <regex>
#include <thread>

#include "fifo_gate.hpp"
#include "jobctl/foreach_job.hpp"
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

// --tail marks the backlog received only once its tail is written: a tail
// that cannot be written (a full disk) leaves all of it to the next receive.
TEST_F(FirstHourCli, ATailThatCannotBeWrittenMarksNothingReceived) {
    JobId id = start({"sh", "-c", "printf 'a\\nb\\nc\\n'"});
    std::string job = std::to_string(id);
    ASSERT_EQ(jobctl({"wait", job}).exit_code, 0);
    CliResult failed = shell("jobctl receive --tail 1 " + job + " > /dev/full");
    EXPECT_NE(failed.exit_code, 0) << "a write to a full disk fails";
    EXPECT_TRUE(repository().find(id)->has_more_data());
    CliResult tail = jobctl({"receive", "--tail", "1", job});
    EXPECT_EQ(tail.out, "c\n") << tail.err;
    EXPECT_FALSE(repository().find(id)->has_more_data()) << "once written, the backlog is received";
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

// Following a foreach that reads its inputs as they come (a program's, here:
// a foreground `jobctl foreach` removes its jobs when it is done): the
// children it registers after the follower began are followed too, in
// input order.
TEST_F(FirstHourCli, ReceiveWaitOfAParentFollowsChildrenRegisteredLater) {
    int inputs[2];
    ASSERT_EQ(::pipe2(inputs, O_CLOEXEC), 0);  // the follower must not hold it open
    ForeachSpec spec;
    spec.command = {"echo", "{}"};
    spec.inputs = {"a", "b"};
    spec.more_inputs = input_lines(inputs[0]);
    ForeachJob foreach_job(repository(), spec);
    const JobId parent = foreach_job.parent().id;
    std::thread runner([&] { foreach_job.run({}); });
    wait_for(parent + 2, [](const JobInfo& job) { return job.finished(); });
    CliProcess follower({"jobctl", "receive", "--all", "--wait", std::to_string(parent)});
    bool asleep = asleep_on_the_repository(follower.pid());
    std::string more = "c\nd\n";
    EXPECT_EQ(::write(inputs[1], more.data(), more.size()), static_cast<ssize_t>(more.size()));
    ::close(inputs[1]);
    runner.join();
    ::close(inputs[0]);
    ASSERT_TRUE(asleep);
    CliResult followed = follower.finish();
    EXPECT_EQ(followed.exit_code, 0) << followed.err;
    EXPECT_EQ(followed.out, "a\nb\nc\nd\n");
}

// Following a parent still hands each child's output over whole, in input
// order, though the second child wrote all of its output before the first
// finished (only --tail reads every child's backlog first).
TEST_F(FirstHourCli, ReceiveWaitOfAParentKeepsEachChildWhole) {
    FifoGate gate(home() + "/gate");
    std::string script = "echo $1-start; [ $1 = 2 ] || " + gate.wait_command() + "; echo $1-end";
    CliResult started = jobctl(
        {"foreach", "--as-job", "-q", "-j", "2", "--", "sh", "-c", script, "sh", "{}", ":::", "1", "2"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    wait_for(parent + 2, [](const JobInfo& job) { return job.finished(); });
    wait_for(parent + 1, [](const JobInfo& job) { return job.output_bytes > 0; });
    CliProcess follower({"jobctl", "receive", "--wait", std::to_string(parent)});
    ASSERT_TRUE(asleep_on_the_repository(follower.pid()));
    gate.release();
    CliResult followed = follower.finish();
    EXPECT_EQ(followed.exit_code, 0) << followed.err;
    EXPECT_EQ(followed.out, "1-start\n1-end\n2-start\n2-end\n");
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

// --help and the man page name values in words (N, NAME, TIME), never by
// CLI11's types and checks ("UINT:UINT in [1 - 4096]", "TEXT:NAME").
TEST_F(FirstHourCli, HelpNamesValuesInWords) {
    std::regex cli11_words("\\b(UINT|INT|TEXT|FLOAT)\\b| in \\[");
    for (const char* verb : {"start", "run", "get", "wait", "watch", "receive", "stop", "suspend", "resume",
                             "remove", "foreach", "repository", "queue", "schedule", "schedule add"}) {
        CliResult help = shell(std::string("jobctl ") + verb + " --help");
        EXPECT_EQ(help.exit_code, 0) << verb;
        EXPECT_FALSE(std::regex_search(help.out, cli11_words)) << help.out;
    }
    EXPECT_NE(jobctl({"get", "--help"}).out.find("--newest N "), std::string::npos);
    EXPECT_NE(jobctl({"start", "--help"}).out.find("--name NAME "), std::string::npos);
    CliResult page = shell("MANWIDTH=100 man -E UTF-8 -l " JOBCTL_MAN_DIR "/jobctl.1");
    ASSERT_EQ(page.exit_code, 0) << page.err;
    EXPECT_FALSE(std::regex_search(page.out, cli11_words));
    EXPECT_NE(page.out.find("Run with no"), std::string::npos) << "the bare jobctl is documented";
}

// A typo gets a suggestion, in the one-line error (exit 2); the words of
// pueue, tsp and ps users are verbs (ls, list, ps, rm, kill) or suggested.
TEST_F(FirstHourCli, TyposAndOtherToolsWordsGetSuggestions) {
    auto expect_suggestion = [](const std::vector<std::string>& args, const std::string& suggestion) {
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 2) << args[0];
        EXPECT_EQ(result.out, "");
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
        EXPECT_NE(result.err.find("did you mean '" + suggestion + "'?"), std::string::npos) << result.err;
    };
    expect_suggestion({"get", "--josn"}, "--json");
    expect_suggestion({"receive", "--tial", "3", "x"}, "--tail");
    expect_suggestion({"--verison"}, "--version");
    expect_suggestion({"repository", "delte"}, "delete");
    expect_suggestion({"strat", "true"}, "jobctl start");
    expect_suggestion({"status"}, "jobctl get");
    expect_suggestion({"log", "1"}, "jobctl receive --all");
    expect_suggestion({"follow", "1"}, "jobctl receive --all --wait");
    EXPECT_EQ(jobctl({"rn"}).err.find("did you mean"), std::string::npos) << "two letters: no guess";

    FifoGate gate(home() + "/gate");
    JobId id = start({"sh", "-c", gate.wait_command()}, "gated");
    wait_until_running(id);
    std::string listed = jobctl({"get"}).out;
    for (const char* alias : {"ls", "list", "ps"}) EXPECT_EQ(jobctl({alias}).out, listed) << alias;
    CliResult killed = jobctl({"kill", "gated"});
    EXPECT_EQ(killed.exit_code, 0) << killed.err;
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
    CliResult removed = jobctl({"rm", "gated"});
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_TRUE(repository().list().empty());
}

// A bare jobctl: the verbs, then the jobs; exit 0; it creates no repository.
TEST_F(FirstHourCli, BareJobctlShowsTheVerbsAndTheJobs) {
    start({"true"}, "hello-there");
    CliResult bare = jobctl({});
    EXPECT_EQ(bare.exit_code, 0) << bare.err;
    EXPECT_TRUE(bare.out.starts_with("Usage: jobctl VERB")) << bare.out;
    EXPECT_NE(bare.out.find("  get, ls, list, ps "), std::string::npos) << bare.out;
    EXPECT_NE(bare.out.find("hello-there"), std::string::npos) << bare.out;
    EXPECT_EQ(bare.err, "");

    std::string fresh = repository_name() + "-fresh";
    CliResult empty = shell("JOBCTL_REPOSITORY=" + fresh + " jobctl");
    EXPECT_EQ(empty.exit_code, 0) << empty.err;
    EXPECT_NE(empty.out.find("No jobs in repository '" + fresh + "'"), std::string::npos) << empty.out;
    EXPECT_FALSE(std::filesystem::exists(table_path_of(fresh))) << "a first look creates nothing";
}

// foreach -j N under the common open-file limit (soft 1024): it raises the
// soft limit as far as N commands at once need, or, when the hard limit
// is too low, refuses up front, saying what fits. All 400 run at once here
// (each waits at the gate until all are Running).
TEST_F(FirstHourCli, ForeachJobsFitTheOpenFileLimit) {
    const std::string jobctl_path = bin_dir() + "/jobctl";
    CliResult refused = shell("ulimit -n 1024 && jobctl foreach -q -j 400 -- echo {} ::: $(seq 400)");
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_EQ(lines_of(refused.err).size(), 1u) << refused.err;
    EXPECT_NE(refused.err.find("the limit is 1024 (ulimit -Hn): use -j 87 or less"), std::string::npos)
        << refused.err;
    EXPECT_TRUE(repository().list().empty()) << "refused: nothing started";
    CliResult few = shell("ulimit -n 1024 && jobctl foreach -q -j 4096 -- echo {} ::: a b");
    EXPECT_EQ(few.exit_code, 0) << "two inputs need two commands at once: " << few.err;
    EXPECT_EQ(few.out, "a\nb\n");

    if (shell("test $(ulimit -Hn) = unlimited || test $(ulimit -Hn) -ge 4096").exit_code != 0)
        GTEST_SKIP() << "the hard open-file limit is below 4096: -j 400 cannot be raised into it";
    FifoGate gate(home() + "/gate");
    CliProcess foreach ({"sh", "-c",
                         "ulimit -Sn 1024 && exec '" + jobctl_path +
                             "' foreach -q -j 400 -- sh -c 'echo {}; " + gate.wait_command() +
                             "' ::: $(seq 400)"});
    auto all_running = [&](const std::vector<JobInfo>&) {
        auto jobs = repository().list();
        return std::ranges::count_if(jobs, [](const JobInfo& job) {
                   return job.parent_id != 0 && job.state == JobState::running;
               }) == 400;
    };
    bool reached =
        wait_until(repository(), {1}, all_running, deadline_after(std::chrono::seconds(120))).has_value();
    EXPECT_TRUE(reached) << "400 commands at once";
    for (int i = 0; i < 400; ++i) gate.release();
    CliResult ran = foreach.finish();
    EXPECT_EQ(ran.exit_code, 0) << ran.err;
    EXPECT_EQ(lines_of(ran.out).size(), 400u);
    EXPECT_EQ(ran.err, "");
}

// Ctrl-C on `run` says at once what happens, though the command ignores
// SIGTERM and has the whole grace (5s) to stop; a second Ctrl-C kills it
// now, well before the grace is over.
TEST_F(FirstHourCli, CtrlCOnRunSaysSoAtOnceAndTwiceKills) {
    CliProcess run(
        {"jobctl", "run", "--name", "stubborn", "--", "sh", "-c", "trap '' TERM; echo up; exec sleep 100"});
    wait_for(1, [](const JobInfo& job) { return job.output_bytes > 0; });
    ::kill(run.pid(), SIGINT);
    EXPECT_TRUE(
        run.wait_for_error_text("jobctl: stopping job 1 (stubborn): SIGTERM now, SIGKILL in 5s "
                                "(Ctrl-C again: at once)\n",
                                std::chrono::seconds(4)))
        << "said before the grace is over";
    // Said before the request is made: the state follows.
    EXPECT_EQ(wait_for(1, [](const JobInfo& job) { return job.state != JobState::running; }).state,
              JobState::stopping)
        << "it ignores SIGTERM";
    auto second = std::chrono::steady_clock::now();
    ::kill(run.pid(), SIGINT);
    CliResult result = run.finish();
    EXPECT_LT(std::chrono::steady_clock::now() - second, std::chrono::seconds(3))
        << "killed, not after the grace";
    EXPECT_EQ(result.exit_code, 128 + SIGINT);
    EXPECT_NE(result.err.find("jobctl: killing job 1 (stubborn) now\n"), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("jobctl: job 1 (stubborn) Stopped: interrupted by SIGINT; kept"),
              std::string::npos)
        << result.err;
}

// The same from another shell: a second stop of a job already stopping
// kills it at once, whatever grace the first gave.
TEST_F(FirstHourCli, SecondStopKillsAtOnce) {
    JobId id = start({"sh", "-c", "trap '' TERM; echo up; exec sleep 100"});
    wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    CliResult first = jobctl({"stop", "--no-wait", "--grace", "1h", std::to_string(id)});
    EXPECT_EQ(first.exit_code, 0) << first.err;
    CliResult second = jobctl({"stop", "--timeout", "20s", std::to_string(id)});
    EXPECT_EQ(second.exit_code, 0) << second.err;
    EXPECT_EQ(repository().find(id)->state, JobState::stopped);
}

}  // namespace
}  // namespace jobctl::test
