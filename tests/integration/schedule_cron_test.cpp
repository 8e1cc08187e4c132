// The one slow schedule test: the real cron daemon runs a `* * * * *`
// schedule within a minute and ten seconds. Labelled `slow`.

#include <signal.h>

#include <fstream>

#include "schedule_test.hpp"

namespace jobctl::test {
namespace {

bool cron_running() {
    return shell("pgrep -x cron >/dev/null").exit_code == 0;
}

// Starts cron if it is not running (and we may), and stops it again at the
// end if it started it: the daemon is left as it was found.
class CronDaemon {
public:
    CronDaemon() {
        if (cron_running() || ::geteuid() != 0) return;
        CliResult started = CliProcess({"cron"}).finish();  // it forks and writes its pid file
        EXPECT_EQ(started.exit_code, 0) << started.err;
        std::ifstream pid_file("/run/crond.pid");
        pid_file >> started_pid_;
    }
    ~CronDaemon() {
        if (started_pid_ > 0) ::kill(started_pid_, SIGTERM);
    }
    bool running() const { return cron_running(); }

private:
    pid_t started_pid_ = 0;
};

using ScheduleCronDaemon = ScheduleTest;

TEST_F(ScheduleCronDaemon, EveryMinuteRunsWithinSeventySeconds) {
    // Installed before a daemon of ours starts, which then reads it at once.
    // (cron notices a crontab changed by the spool folder's mtime, in whole
    // seconds: one installed in the second it started would go unseen.)
    add("tick", {"--cron", "* * * * *"}, {"echo", "tick"});
    CronDaemon cron;
    if (!cron.running()) GTEST_SKIP() << "no cron daemon, and not root to start one";
    std::vector<JobInfo> found = wait_for_runs("tick", 1, std::chrono::seconds(70));
    ASSERT_GE(found.size(), 1u);
    EXPECT_EQ(found[0].type, JobType::scheduled);
    EXPECT_EQ(wait_until_finished(found[0].id).state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", std::to_string(found[0].id)}).out, "tick\n");
    EXPECT_EQ(jobctl({"schedule", "remove", "tick"}).exit_code, 0);
}

}  // namespace
}  // namespace jobctl::test
