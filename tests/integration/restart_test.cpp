// jobctl restart (issue 27): a finished process job runs again under its
// id, with the command, folder, environment, stdin and options it first
// ran with; its output grows after a marker; its history has each end.

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "jobctl/job_history.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "table/job_table.hpp"

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
    // Its environment is its own, readable by this user only.
    EXPECT_EQ(
        std::filesystem::status(detail::table_of(repository()).job_directory(id) / "restart").permissions(),
        std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
}

// The case: a foreach of 20 inputs, 3 failing (until the test
// removes their marker files), rerun in place: the same 20 child ids, the
// parent Completed, the output in input order.
TEST_F(Restart, FailedForeachChildrenRunAgainInPlace) {
    std::vector<std::string> args{
        "foreach", "--as-job", "-q", "-j", "3", "--", "sh", "-c", "echo {}; [ ! -e '" + home() + "/fail{}' ]",
        ":::"};
    for (int i = 1; i <= 20; ++i) args.push_back(std::to_string(i));
    for (int i : {4, 9, 17}) std::ofstream(home() + "/fail" + std::to_string(i));
    CliResult started = jobctl(args);
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    EXPECT_EQ(wait_until_finished(parent).state, JobState::failed);
    std::vector<JobInfo> before = children_of(repository(), parent);
    ASSERT_EQ(before.size(), 20u);
    for (int i : {4, 9, 17}) std::filesystem::remove(home() + "/fail" + std::to_string(i));

    CliResult rerun = jobctl({"restart", "--failed", std::to_string(parent)});
    EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
    EXPECT_EQ(lines_of(rerun.out).size(), 5u) << rerun.out;  // the heading, the parent, the 3 children
    JobInfo ended = wait_until_finished(parent);
    EXPECT_EQ(ended.state, JobState::completed) << ended.reason;
    std::vector<JobInfo> after = children_of(repository(), parent);
    ASSERT_EQ(after.size(), 20u);
    for (std::size_t k = 0; k < after.size(); ++k) {
        EXPECT_EQ(after[k].id, before[k].id);
        EXPECT_EQ(after[k].state, JobState::completed) << after[k].id;
    }
    std::string expected;
    for (int i = 1; i <= 20; ++i)
        expected += std::to_string(i) + "\n" + (i == 4 || i == 9 || i == 17 ? std::to_string(i) + "\n" : "");
    CliResult received = jobctl({"receive", std::to_string(parent)});
    EXPECT_EQ(received.out, expected);
    EXPECT_EQ(lines_of(received.err).size(), 3u) << received.err;  // a restart line for each
    CliResult again = jobctl({"restart", "--failed", std::to_string(parent)});
    EXPECT_EQ(again.exit_code, 2);
    EXPECT_NE(again.err.find("no failed or stopped child"), std::string::npos) << again.err;
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
