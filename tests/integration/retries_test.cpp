// Retries (issue 27): --retries N runs a failing command again under the
// same job, after --retry-delay, only for --retry-on's exit codes if given;
// each attempt's output follows a marker; a stop ends the retries; the
// time limit is each attempt's.

#include <string>

#include "fifo_gate.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

class Retries : public JobctlTest {
protected:
    // A command that fails until it has run `succeed_on` times (counted in a
    // file of the test's own), printing which attempt it is.
    std::vector<std::string> flaky(int succeed_on, const std::string& counter = "count") {
        std::string file = home() + "/" + counter;
        return {"sh", "-c",
                "n=$(cat '" + file + "' 2>/dev/null || echo 0); n=$((n+1)); echo $n > '" + file +
                    "'; echo \"try $n\"; [ $n -ge " + std::to_string(succeed_on) + " ]"};
    }
};

TEST_F(Retries, FailsTwiceThenSucceedsUnderTheSameJob) {
    JobId id = start_with({"--retries", "3"}, flaky(3));
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_EQ(job.attempt, 3u);
    EXPECT_EQ(job.attempts_allowed, 4u);
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.out, "try 1\ntry 2\ntry 3\n");
    EXPECT_EQ(received.err, "jobctl: attempt 2/4\njobctl: attempt 3/4\n");
    CliResult last = jobctl({"receive", "--last-run", std::to_string(id)});
    EXPECT_EQ(last.out, "try 3\n");
    EXPECT_EQ(last.err, "jobctl: attempt 3/4\n");
    CliResult table = jobctl({"get", std::to_string(id)});
    EXPECT_NE(table.out.find("Completed (attempt 3/4)"), std::string::npos) << table.out;
    EXPECT_NE(jobctl({"history", "--json"}).out.find("\"attempts\":3"), std::string::npos);
    CliResult exhausted = jobctl({"run", "--retries", "1", "--", "sh", "-c", "exit 3"});
    EXPECT_EQ(exhausted.exit_code, 3);
    EXPECT_NE(exhausted.err.find("jobctl: attempt 2/2"), std::string::npos) << exhausted.err;
}

TEST_F(Retries, RetryOnRetriesOnlyTheCodesGiven) {
    CliResult other =
        jobctl({"run", "--retries", "2", "--retry-on", "75", "--", "sh", "-c", "echo once; exit 1"});
    EXPECT_EQ(other.exit_code, 1);
    EXPECT_EQ(other.out, "once\n");
    EXPECT_EQ(other.err.find("attempt 2"), std::string::npos) << other.err;
    CliResult listed =
        jobctl({"run", "--retries", "2", "--retry-on", "1,75", "--", "sh", "-c", "echo again; exit 75"});
    EXPECT_EQ(listed.exit_code, 75);
    EXPECT_EQ(listed.out, "again\nagain\nagain\n");
}

// Between two attempts the job is Blocked, saying which failed and why; a
// stop then ends it Stopped, and no attempt follows.
TEST_F(Retries, AStopBetweenAttemptsEndsTheRetries) {
    JobId id = start_with({"--retries", "5", "--retry-delay", "1h"},
                          {"sh", "-c", "echo ran >> '" + home() + "/runs'; exit 4"});
    JobInfo waiting = wait_for(id, [](const JobInfo& job) { return job.state == JobState::blocked; });
    EXPECT_EQ(waiting.reason, "attempt 1/6 failed: exited with code 4; attempt 2 in 1h");
    CliResult shown = jobctl({"get", std::to_string(id)});
    EXPECT_NE(shown.out.find("Blocked (attempt 1/6)"), std::string::npos) << shown.out;
    ASSERT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_EQ(job.reason, "stopped between attempts; attempt 1/6 failed: exited with code 4");
    EXPECT_EQ(job.attempt, 1u);
    EXPECT_EQ(lines_of(jobctl({"receive", std::to_string(id), "--all"}).out).size(), 0u);
}

// The next attempt is Running, as the first was (no queue: nothing to wait for).
TEST_F(Retries, TheNextAttemptRuns) {
    FifoGate gate(home() + "/gate");
    std::string count = "'" + home() + "/count'";
    JobId id =
        start_with({"--retries", "2"}, {"sh", "-c",
                                        "n=$(cat " + count + " 2>/dev/null || echo 0); echo $((n+1)) > " +
                                            count + "; [ $n -ge 1 ] || exit 1; " + gate.wait_command()});
    JobInfo second =
        wait_for(id, [](const JobInfo& job) { return job.attempt == 2 && job.state == JobState::running; });
    EXPECT_EQ(second.reason, "attempt 1/3 failed: exited with code 1; attempt 2 now");
    CliResult shown = jobctl({"get", std::to_string(id)});
    EXPECT_NE(shown.out.find("Running (attempt 2/3)"), std::string::npos) << shown.out;
    gate.release();
    EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
}

// Between its attempts a queued job is out of line: the next one runs
// meanwhile, and nothing waits for it forever.
TEST_F(Retries, AQueuedJobGivesItsSlotUpBetweenAttempts) {
    JobId failing =
        start_with({"--queue", "q", "--retries", "1", "--retry-delay", "1h"}, {"sh", "-c", "exit 1"});
    wait_for(failing,
             [](const JobInfo& job) { return job.state == JobState::blocked && !job.reason.empty(); });
    JobId next = start_with({"--queue", "q", "--priority", "-5"}, {"true"});
    EXPECT_EQ(wait_until_finished(next).state, JobState::completed);
    CliResult line = jobctl({"queue", "q", "--json"});
    EXPECT_NE(line.out.find("\"line\": []"), std::string::npos) << line.out;
    ASSERT_EQ(jobctl({"stop", std::to_string(failing)}).exit_code, 0);
    EXPECT_EQ(wait_until_finished(failing).state, JobState::stopped);
}

TEST_F(Retries, TheTimeLimitIsEachAttempts) {
    JobId id = start_with({"--retries", "1", "--timeout", "200ms"}, {"sleep", "100"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 200ms");
    EXPECT_EQ(job.attempt, 2u);
}

TEST_F(Retries, EachForeachChildIsRetriedOnItsOwn) {
    CliResult run = jobctl({"foreach", "-j", "2", "--keep-jobs", "--retries", "2", "--", "sh", "-c",
                            "f='" + home() +
                                "/c{}'; n=$(cat $f 2>/dev/null || echo 0); echo $((n+1)) > $f; "
                                "echo {}:$n; [ $n -ge {} ]",
                            ":::", "0", "1", "2"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_EQ(run.out, "0:0\n1:0\n1:1\n2:0\n2:1\n2:2\n");
    std::vector<JobInfo> jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[0].state, JobState::completed);
    for (unsigned k = 1; k <= 3; ++k) {
        EXPECT_EQ(jobs[k].state, JobState::completed) << jobs[k].reason;
        EXPECT_EQ(jobs[k].attempt, k);
    }
}

TEST_F(Retries, BadRetriesAreRefusedAndRegisterNothing) {
    for (std::vector<std::string> options : {std::vector<std::string>{"--retries", "-1"},
                                             {"--retries", "1001"},
                                             {"--retry-on", "75"},
                                             {"--retries", "1", "--retry-on", "0"},
                                             {"--retries", "1", "--retry-on", "256"},
                                             {"--retries", "1", "--retry-on", "1,,2"},
                                             {"--retries", "1", "--retry-on", "x"},
                                             {"--retries", "1", "--retry-delay", "5x"},
                                             {"--retries", "1", "--retry-delay", "5m..5s"},
                                             {"--retries", "1", "--retry-delay", "2d"},
                                             {"--retry-delay", "5s"}}) {
        std::vector<std::string> args{"start"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {"--", "true"});
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 2) << options.back();
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
    }
    CliResult slurm = jobctl({"start", "--on", "slurm", "--retries", "2", "--", "true"});
    EXPECT_EQ(slurm.exit_code, 2);
    EXPECT_NE(slurm.err.find("--retries"), std::string::npos) << slurm.err;
    EXPECT_TRUE(list_jobs(repository()).empty());
}

}  // namespace
}  // namespace jobctl::test
