// kill -9 of a worker: its job becomes Failed ("worker lost") on the next
// look from any process, and nothing else in the repository changes.

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "jobctl_test.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"

namespace jobctl::test {
namespace {

using Liveness = JobctlTest;

JobInfo kill_worker(Repository& repository, JobId id) {
    JobInfo job = *repository.find(id);
    ::kill(job.owner_pid, SIGKILL);
    ::waitpid(job.owner_pid, nullptr, 0);  // we are its subreaper
    return job;
}

// Waits (on a pidfd, 20 s at most) until `process` has exited; true then.
bool wait_for_exit(const ProcessIdentity& process) {
    detail::FileDescriptor pidfd(static_cast<int>(::syscall(SYS_pidfd_open, process.pid, 0)));
    if (!pidfd || !process.alive()) return !process.alive();  // gone already (or its pid reused)
    pollfd exited{pidfd.get(), POLLIN, 0};
    return ::poll(&exited, 1, 20'000) == 1;
}

TEST_F(Liveness, KilledWorkerIsReportedLostOnTheNextLook) {
    JobId bystander = start({"echo", "intact"});
    wait_until_finished(bystander);
    JobId id = start({"sleep", "100"});
    JobInfo before = wait_until_running(id);
    kill_worker(repository(), id);
    CliResult result = jobctl({"get", std::to_string(id), "--json"});
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_NE(result.out.find("\"state\": \"Failed\""), std::string::npos) << result.out;
    // (With "; its processes were killed" when the look came before the
    // parent-death signal had ended the command.)
    EXPECT_NE(result.out.find("\"reason\": \"worker lost"), std::string::npos) << result.out;
    EXPECT_TRUE(repository().find(id)->ended);
    // The orphaned command was ended too; the other job is untouched.
    // (SIGKILL lands asynchronously: wait for it, through pidfds.)
    EXPECT_TRUE(wait_for_group_gone(before.process_id)) << "the orphaned command survived";
    JobInfo other = *repository().find(bystander);
    EXPECT_EQ(other.state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", std::to_string(bystander)}).out, "intact\n");
}

TEST_F(Liveness, WaitWakesWhenTheWorkerIsKilled) {
    JobId id = start({"sleep", "100"});
    wait_until_running(id);
    CliProcess waiter({"jobctl", "wait", std::to_string(id), "--timeout", "60"});
    ASSERT_TRUE(asleep_on_the_repository(waiter.pid())) << "the waiter never went to sleep";
    kill_worker(repository(), id);
    CliResult result = waiter.finish();
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.err.find("worker lost"), std::string::npos) << result.err;
}

TEST_F(Liveness, ReceiveWaitEndsWhenTheWorkerIsKilled) {
    JobId id = start({"sh", "-c", "echo partial; sleep 100"});
    wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    CliProcess receiver({"jobctl", "receive", "--wait", std::to_string(id)});
    ASSERT_TRUE(asleep_on_the_repository(receiver.pid())) << "the receiver never went to sleep";
    kill_worker(repository(), id);
    CliResult result = receiver.finish();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "partial\n");
}

TEST_F(Liveness, KilledWorkersLeaveNoStrayProcessWithoutAnyoneLooking) {
    constexpr int kJobs = 40;
    std::vector<JobInfo> running;
    for (int i = 0; i < kJobs; ++i) running.push_back(wait_until_running(start({"sleep", "77"})));
    for (const JobInfo& job : running) ::kill(job.owner_pid, SIGKILL);
    // No jobctl command, no look at the repository: the commands die with
    // their workers (parent-death signal).
    int strays = 0;
    for (const JobInfo& job : running) strays += wait_for_group_gone(job.process_id) ? 0 : 1;
    EXPECT_EQ(strays, 0) << "commands outlived their killed workers";
}

TEST_F(Liveness, KilledWorkerWhoseLeaderExitedLeavesNothingBehind) {
    // The leader exits at once; its background child keeps the job running.
    JobId id = start({"sh", "-c", "sleep 300 & echo started; exit 0"});
    JobInfo job = wait_for(id, [](const JobInfo& copy) { return copy.output_bytes > 0; });
    // No repository change announces the leader's exit: wait on its pidfd.
    ASSERT_TRUE(wait_for_exit({job.process_id, job.process_start_time, job.owner_pid_namespace}))
        << "the leader did not exit";
    kill_worker(repository(), id);
    CliResult looked = jobctl({"get", std::to_string(id), "--json"});
    EXPECT_NE(looked.out.find("\"reason\": \"worker lost; its processes were killed\""), std::string::npos)
        << looked.out;
    EXPECT_TRUE(wait_for_group_gone(job.process_id)) << "the leader's background child survived";
}

}  // namespace
}  // namespace jobctl::test
