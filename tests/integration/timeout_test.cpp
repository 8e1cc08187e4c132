// Time limits (start, run and foreach --timeout) and foreach --halt-on-error.

#include <signal.h>

#include <algorithm>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Timeout = JobctlTest;

TEST_F(Timeout, EndsTheJobFailedAndLeavesNoProcess) {
    CliResult started =
        jobctl({"start", "-q", "--timeout", "300ms", "--", "sh", "-c", "sleep 100 & sleep 100"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    JobInfo running = wait_until_running(id);
    EXPECT_EQ(running.timeout, std::chrono::milliseconds(300));
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 300ms");
    EXPECT_FALSE(job.stop_requested);
    EXPECT_TRUE(wait_for_group_gone(running.process_id)) << "a process outlived the time limit";
}

TEST_F(Timeout, EscalatesToSigkillAfterTheGrace) {
    // The command ignores SIGTERM: the default grace (5 s) passes, then SIGKILL.
    CliResult started = jobctl(
        {"start", "-q", "--timeout", "200ms", "--", "sh", "-c", "trap '' TERM; while :; do sleep 0.1; done"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 200ms");
    EXPECT_EQ(job.term_signal, SIGKILL);
}

TEST_F(Timeout, RunExitsWithTheCommandsStatus) {
    CliResult result = jobctl({"run", "--keep-job", "--timeout", "200ms", "--", "sleep", "100"});
    EXPECT_EQ(result.exit_code, 128 + SIGTERM) << result.err;
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_EQ(jobs.size(), 1u);
    EXPECT_EQ(jobs[0].reason, "timed out after 200ms");
}

TEST_F(Timeout, ForeachLimitsEachChild) {
    CliResult result = jobctl({"foreach", "--keep-jobs", "-q", "--timeout", "300ms", "--", "sh", "-c",
                               "sleep {}", ":::", "0", "100"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_EQ(jobs.size(), 3u);
    EXPECT_EQ(jobs[1].state, JobState::completed);
    EXPECT_EQ(jobs[2].state, JobState::failed);
    EXPECT_EQ(jobs[2].reason, "timed out after 300ms");
    EXPECT_EQ(jobs[2].timeout, std::chrono::milliseconds(300));
}

TEST_F(Timeout, HaltOnErrorStopsTheRest) {
    // -j 2: "x" fails while "run" is running and "later" is queued.
    CliResult result = jobctl({"foreach", "--keep-jobs", "-q", "-j", "2", "--halt-on-error", "--", "sh", "-c",
                               "[ {} = x ] && exit 3; sleep 100", ":::", "run", "x", "later"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[0].state, JobState::failed);
    EXPECT_NE(jobs[0].reason.find("halted"), std::string::npos) << jobs[0].reason;
    EXPECT_EQ(jobs[1].state, JobState::stopped);
    EXPECT_EQ(jobs[2].state, JobState::failed);
    EXPECT_EQ(jobs[2].exit_code, 3);
    EXPECT_EQ(jobs[3].state, JobState::stopped);
    EXPECT_EQ(jobs[3].reason, "stopped before it started") << [&] {
        std::string text;
        for (const JobInfo& job : jobs)
            text += std::to_string(job.id) + " " + std::string(to_string(job.state)) + " " + job.reason +
                    " began " + std::to_string(job.began ? job.began->time_since_epoch().count() : 0) +
                    " ended " + std::to_string(job.ended ? job.ended->time_since_epoch().count() : 0) + "\n";
        return text;
    }();
    // (Its command may not have started when the halt came: then it has no group.)
    if (jobs[1].process_id != 0) {
        EXPECT_TRUE(wait_for_group_gone(jobs[1].process_id));
    }
}

TEST_F(Timeout, WithoutHaltOnErrorTheOthersRunOn) {
    CliResult result = jobctl(
        {"foreach", "--keep-jobs", "-q", "-j", "1", "--", "sh", "-c", "exit {}", ":::", "1", "0", "0"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[2].state, JobState::completed);
    EXPECT_EQ(jobs[3].state, JobState::completed);
}

TEST_F(Timeout, BadDurationsAreRefusedAndRegisterNothing) {
    for (std::string bad : {"0", "-1", "1x", "nan", "400d", ""}) {
        for (std::string verb : {"start", "run", "foreach"}) {
            std::vector<std::string> args{verb, "--timeout", bad, "--", "true"};
            if (verb == "foreach") args.insert(args.end(), {":::", "1"});
            CliResult result = jobctl(args);
            EXPECT_EQ(result.exit_code, 2) << verb << " --timeout '" << bad << "': " << result.err;
            EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        }
    }
    EXPECT_TRUE(repository().list().empty());
}

}  // namespace
}  // namespace jobctl::test
