// jobctl restart (issue 27): a finished process job runs again under its
// id, with the command, folder, environment, stdin and options it first
// ran with; its output grows after a marker; its history has each end.

#include <cstdlib>
#include <string>

#include "jobctl/job_history.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Restart = JobctlTest;

TEST_F(Restart, RunsAgainUnderItsIdAsItFirstRan) {
    ::setenv("JOBCTL_TEST_RESTART", "first", 1);
    CliResult started =
        shell("cd '" + home() +
              "' && printf 'in\\n' | jobctl start -q --name again --stdin - "
              "--env EXTRA=1 -- sh -c 'echo \"$JOBCTL_TEST_RESTART $EXTRA $(pwd) $(cat)\"; exit 2'");
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    EXPECT_EQ(wait_until_finished(id).state, JobState::failed);
    ::setenv("JOBCTL_TEST_RESTART", "second", 1);  // not what the job sees again
    CliResult restarted = jobctl({"restart", "again", "-q"});
    ::unsetenv("JOBCTL_TEST_RESTART");
    ASSERT_EQ(restarted.exit_code, 0) << restarted.err;
    EXPECT_EQ(restarted.out, std::to_string(id) + "\n");
    JobInfo job = wait_for(id, [](const JobInfo& now) { return now.finished() && now.began; });
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 2);
    CliResult received = jobctl({"receive", std::to_string(id)});
    std::string line = "first 1 " + home() + " in\n";
    EXPECT_EQ(received.out, line + line);
    EXPECT_EQ(received.err, "jobctl: restarted\n");
    std::size_t ends = 0;
    read_history(repository(), [&](const HistoryEntry& entry) { ends += entry.job.id == id; });
    EXPECT_EQ(ends, 2u);
}

TEST_F(Restart, RefusesWhatCannotRunAgain) {
    JobId running = start({"sleep", "1000"});
    wait_until_running(running);
    CliResult busy = jobctl({"restart", std::to_string(running)});
    EXPECT_EQ(busy.exit_code, 5) << busy.err;
    EXPECT_NE(busy.err.find("is Running: only a finished job runs again"), std::string::npos) << busy.err;
    EXPECT_EQ(jobctl({"restart", "999"}).exit_code, 3);
    EXPECT_EQ(jobctl({"restart"}).exit_code, 2);
    CliResult foreach = jobctl({"foreach", "--keep-jobs", "--", "true", ":::", "a"});
    ASSERT_EQ(foreach.exit_code, 0);
    std::vector<JobInfo> jobs = list_jobs(repository());
    CliResult child = jobctl({"restart", std::to_string(jobs.back().id)});
    EXPECT_EQ(child.exit_code, 2);
    EXPECT_NE(child.err.find("only process jobs run again"), std::string::npos) << child.err;
    CliResult live = jobctl({"run", "--keep-job", "--stdin", "-", "--", "cat"});
    ASSERT_EQ(live.exit_code, 0) << live.err;
    JobId live_id = list_jobs(repository()).back().id;
    CliResult refused = jobctl({"restart", std::to_string(live_id)});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("cannot be read again"), std::string::npos) << refused.err;
    ASSERT_EQ(jobctl({"stop", std::to_string(running)}).exit_code, 0);
}

}  // namespace
}  // namespace jobctl::test
