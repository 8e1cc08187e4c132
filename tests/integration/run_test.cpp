// jobctl run: a job in the foreground, with the command's exit status.

#include <signal.h>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using RunCommand = JobctlTest;

TEST_F(RunCommand, FollowsOutputAndExitsWithTheCommandsStatus) {
    CliResult result = jobctl({"run", "--", "sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(result.exit_code, 3);
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
    EXPECT_TRUE(repository().list().empty());  // received in full, then removed
    EXPECT_EQ(jobctl({"run", "--", "true"}).exit_code, 0);
    EXPECT_EQ(jobctl({"run", "--", "sh", "-c", "kill -9 $$"}).exit_code, 128 + SIGKILL);
}

TEST_F(RunCommand, IsAnOrdinaryJobMeanwhileAndInterruptStopsIt) {
    CliProcess run(
        {"jobctl", "run", "--keep-job", "--name", "fg", "--", "sh", "-c", "echo up; sleep 100 & sleep 100"});
    auto jobs = wait_until(
        repository(), {1},
        // "up" printed by run (it marks output received once written): an
        // interrupt prints nothing more, so the test must not interrupt before.
        [](const std::vector<JobInfo>& copies) { return !copies.empty() && copies[0].read_offset > 0; },
        deadline_after(std::chrono::seconds(20)));
    ASSERT_TRUE(jobs);
    EXPECT_EQ(jobctl({"get", "fg"}).exit_code, 0);  // visible from another process
    ::kill(run.pid(), SIGINT);
    CliResult result = run.finish();
    EXPECT_EQ(result.exit_code, 128 + SIGINT);
    EXPECT_EQ(result.out, "up\n");
    JobInfo job = *repository().find(1);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_TRUE(wait_for_group_gone(job.process_id));
}

// The docs promise it: an interrupted run keeps its job (even without
// --keep-job), and says so on stderr.
TEST_F(RunCommand, InterruptedKeepsItsJobAndSaysSo) {
    CliProcess run({"jobctl", "run", "--name", "fg", "--", "sh", "-c", "echo up; sleep 100"});
    ASSERT_TRUE(wait_until(
        repository(), {1},
        // "up" printed by run (it marks output received once written): an
        // interrupt prints nothing more, so the test must not interrupt before.
        [](const std::vector<JobInfo>& copies) { return !copies.empty() && copies[0].read_offset > 0; },
        deadline_after(std::chrono::seconds(20))));
    ::kill(run.pid(), SIGINT);
    CliResult result = run.finish();
    EXPECT_EQ(result.exit_code, 128 + SIGINT);
    EXPECT_EQ(result.err,
              "jobctl: stopping job 1 (fg): SIGTERM now, SIGKILL in 5s (Ctrl-C again: at once)\n"
              "jobctl: job 1 (fg) Stopped: interrupted by SIGINT; kept (jobctl remove 1)\n");
    auto job = repository().find(1);
    ASSERT_TRUE(job);
    EXPECT_EQ(job->state, JobState::stopped);
}

// A command that writes far faster than the reader reads leaves a backlog:
// an interrupt stops the job without printing the backlog first, and keeps
// it, with the rest of the output unreceived.
TEST_F(RunCommand, AnInterruptPrintsNoMoreOfTheBacklog) {
    // About 23 MB written at once; the test reads nothing until the end.
    CliProcess run({"jobctl", "run", "--name", "fast", "--", "sh", "-c", "seq 3000000; sleep 100"});
    ASSERT_TRUE(wait_until(
        repository(), {1},
        [](const std::vector<JobInfo>& copies) {
            return !copies.empty() && copies[0].output_bytes > 20'000'000;
        },
        deadline_after(std::chrono::seconds(60))));
    ::kill(run.pid(), SIGINT);
    CliResult result = run.finish();
    EXPECT_EQ(result.exit_code, 128 + SIGINT);
    EXPECT_LT(result.out.size(), 4'000'000u);  // a block or two in flight (1 MiB each), not the backlog
    EXPECT_NE(result.err.find("kept (the rest of its output: jobctl receive 1; jobctl remove 1)"),
              std::string::npos)
        << result.err;
    CliResult rest = jobctl({"receive", "1"});
    EXPECT_GT(rest.out.size(), 16'000'000u);  // the backlog, still there
}

// A caller that ignores signals (nohup, a CI runner, a shell's trap '' ALRM)
// passes none of that on to the job's command: it starts with every signal
// at its default action, as it would from a fresh login shell.
TEST_F(RunCommand, TheCommandStartsWithEverySignalAtItsDefault) {
    struct sigaction ignore {};
    ignore.sa_handler = SIG_IGN;
    std::vector<std::pair<int, struct sigaction>> saved;
    for (int signal : {SIGALRM, SIGWINCH, SIGXFSZ, SIGHUP, SIGPROF, SIGVTALRM, SIGUSR1}) {
        struct sigaction old {};
        ::sigaction(signal, &ignore, &old);
        saved.emplace_back(signal, old);
    }
    CliResult run = jobctl({"run", "--", "grep", "^SigIgn", "/proc/self/status"});
    for (const auto& [signal, old] : saved) ::sigaction(signal, &old, nullptr);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "SigIgn:\t0000000000000000\n");
}

}  // namespace
}  // namespace jobctl::test
