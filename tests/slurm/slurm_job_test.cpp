// Slurm jobs against a real single-node Slurm (scripts/slurm-local.sh
// start), through the command line as a user runs them. Skipped, saying
// why, when no controller answers. Every wait goes through the repository
// (or a pidfd) with a deadline; the sleeps inside commands are the jobs'
// own work.

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "slurm_test.hpp"

namespace jobctl::test {
namespace {

TEST_F(SlurmJobs, StartRunsToCompletedWithItsOutputReceived) {
    JobId id = submit({"sh", "-c", "echo to-out; echo to-err >&2"});
    ASSERT_NE(id, 0u);
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.type_name, "slurm");
    EXPECT_FALSE(job.external_id.empty());

    CliResult waited = jobctl({"wait", "--timeout", "120", std::to_string(id)});
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
    job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_NE(job.location.find(':'), std::string::npos) << "cluster:node expected, got " << job.location;
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.out, "to-out\n");
    EXPECT_EQ(received.err, "to-err\n");
    EXPECT_FALSE(repository().find(id)->has_more_data());
    CliResult listed = jobctl({"get", std::to_string(id)});
    EXPECT_NE(listed.out.find("slurm"), std::string::npos) << listed.out;
}

TEST_F(SlurmJobs, AJobThatExitsThreeIsFailedWithCodeThree) {
    JobId id = submit({"sh", "-c", "exit 3"});
    JobInfo job = finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    EXPECT_NE(job.reason.find("3"), std::string::npos) << job.reason;
    EXPECT_EQ(jobctl({"wait", std::to_string(id)}).exit_code, 1);
}

TEST_F(SlurmJobs, RunFollowsTheJobAndExitsWithItsStatus) {
    CliResult result = jobctl({"run", "--on", "slurm", "--", "sh", "-c", "echo hello; exit 4"});
    EXPECT_EQ(result.exit_code, 4) << result.err;
    EXPECT_EQ(result.out, "hello\n");
    EXPECT_TRUE(repository().list().empty());  // run removes its job
}

TEST_F(SlurmJobs, StopCancelsTheJobAndLeavesNoProcess) {
    std::string marker = std::to_string(100000 + ::getpid());
    JobId id = submit({"sh", "-c", "echo started; exec sleep " + marker});
    wait_for(
        id, [](const JobInfo& job) { return job.output_bytes > 0; }, kSlurmTimeout);
    // The command's process, found by its unique argument, watched through a
    // pidfd. Its output may come a moment before its exec of sleep: looked
    // for until it is there (at most the Slurm timeout).
    CliResult found = shell("for i in $(seq 600); do pgrep -f -x 'sleep " + marker +
                            "' && exit 0; sleep 0.1; done; exit 1");
    ASSERT_EQ(found.exit_code, 0) << "the job's process is not running";
    pid_t pid = static_cast<pid_t>(std::stol(lines_of(found.out).front()));
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    ASSERT_GE(pidfd, 0);

    CliResult stopped = jobctl({"stop", "--timeout", "120s", std::to_string(id)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    JobInfo job = finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    pollfd gone{pidfd, POLLIN, 0};
    EXPECT_EQ(::poll(&gone, 1, 60'000), 1) << "sleep " << marker << " still runs on the node";
    ::close(pidfd);
}

TEST_F(SlurmJobs, ForeachMakesOneArrayWithTwoTasksAtMostAtOnce) {
    // Each task counts the tasks running with it (under a lock) and records the highest count.
    std::string count = path("running"), highest = path("highest"), lock = path("lock");
    std::ofstream(count) << 0 << '\n';
    std::string script = "flock " + lock + " sh -c 'n=$(($(cat " + count + ") + 1)); echo $n > " + count +
                         "; echo $n >> " + highest + "'; sleep 1; flock " + lock + " sh -c 'echo $(($(cat " +
                         count + ") - 1)) > " + count + "'; echo task $0";
    CliResult result =
        jobctl({"foreach", "--on", "slurm", "-j",  "2", "--keep-jobs", "--name", "array", "--", "sh",
                "-c",      script, "{}",    ":::", "1", "2",           "3",      "4",     "5",  "6"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "task 1\ntask 2\ntask 3\ntask 4\ntask 5\ntask 6\n");
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_FALSE(jobs.empty());
    JobInfo parent = jobs.front();
    EXPECT_EQ(parent.name, "array");
    EXPECT_EQ(parent.state, JobState::completed) << parent.reason;
    std::vector<JobInfo> children = children_of(jobs, parent.id);
    ASSERT_EQ(children.size(), 6u);
    for (std::size_t i = 0; i < children.size(); ++i) {
        EXPECT_EQ(children[i].state, JobState::completed);
        EXPECT_EQ(children[i].external_id, parent.external_id + "_" + std::to_string(i));
    }
    std::ifstream counts(highest);
    int most = 0, seen = 0;
    for (int n; counts >> n; ++seen) most = std::max(most, n);
    EXPECT_EQ(seen, 6);
    EXPECT_LE(most, 2);
}

TEST_F(SlurmJobs, AStopRightAfterTheStartReachesSlurm) {
    // The follower may not have taken the job yet when the stop is asked.
    JobId id = submit({"sleep", "600"});
    CliResult stopped = jobctl({"stop", "--timeout", "120s", std::to_string(id)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(finished(id).state, JobState::stopped);
}

TEST_F(SlurmJobs, AKilledFollowerIsReplacedAndTheJobStaysRight) {
    std::string go = path("go");
    JobId id = submit(two_part_command(go));
    JobInfo job = wait_for(
        id,
        [](const JobInfo& j) {
            return j.output_bytes > 0 && j.owner_claimed && j.state == JobState::running;
        },
        kSlurmTimeout);
    ASSERT_EQ(::kill(job.owner_pid, SIGKILL), 0);
    reap_exited_children();  // the follower may be our orphan (we are a subreaper)
    wait_for(id, [&](const JobInfo& j) { return j.owner_pid != job.owner_pid || j.finished(); });

    CliResult listed = jobctl({"get", std::to_string(id)});
    EXPECT_NE(listed.out.find("Running"), std::string::npos) << listed.out;
    JobInfo now = *repository().find(id);
    EXPECT_EQ(now.state, JobState::running) << now.reason;
    EXPECT_NE(now.owner_pid, job.owner_pid);

    std::ofstream(go) << "go\n";
    CliResult waited = jobctl({"wait", "--timeout", "120", std::to_string(id)});
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "first\nsecond\n");
}

TEST_F(SlurmJobs, SuspendAndResumeGoThroughScontrol) {
    // As root scontrol suspend is allowed (slurm-local.sh runs the tests as root).
    if (::geteuid() != 0) GTEST_SKIP() << "scontrol suspend needs root or a Slurm operator";
    std::string go = path("go");
    JobId id = submit(two_part_command(go));
    wait_for(
        id, [](const JobInfo& j) { return j.state == JobState::running; }, kSlurmTimeout);
    CliResult suspended = jobctl({"suspend", "--timeout", "60s", std::to_string(id)});
    EXPECT_EQ(suspended.exit_code, 0) << suspended.err;
    EXPECT_EQ(repository().find(id)->state, JobState::suspended);
    CliResult slurm_view = shell("squeue -h -o %T -j " + repository().find(id)->external_id);
    EXPECT_EQ(slurm_view.out, "SUSPENDED\n");
    EXPECT_EQ(jobctl({"resume", std::to_string(id)}).exit_code, 0);
    wait_for(id, [](const JobInfo& j) { return j.state == JobState::running && !j.suspend_requested; });
    std::ofstream(go) << "go\n";
    EXPECT_EQ(jobctl({"wait", "--timeout", "120", std::to_string(id)}).exit_code, 0);
}

TEST_F(SlurmJobs, JobctlSlurmSpoolHoldsTheOutputUntilItIsCopied) {
    std::string spool = path("shared-spool");
    std::string go = path("go");
    CliResult started = shell("JOBCTL_SLURM_SPOOL=" + spool + " " + bin_dir() +
                              "/jobctl start --on slurm -q -- sh -c 'echo first; while [ ! -e " + go +
                              " ]; do sleep 0.1; done; echo second'");
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    std::filesystem::path folder = std::filesystem::path(spool) / repository_name() / std::to_string(id);
    wait_for(
        id, [](const JobInfo& j) { return j.output_bytes > 0; }, kSlurmTimeout);
    EXPECT_TRUE(std::filesystem::exists(folder / "slurm.out"));  // Slurm writes there
    std::ofstream(go) << "go\n";
    EXPECT_EQ(finished(id).state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "first\nsecond\n");
    EXPECT_EQ(jobctl({"remove", std::to_string(id)}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(folder));
}

TEST_F(SlurmJobs, ABadPartitionIsAClearErrorAndNothingIsRegistered) {
    CliResult result = jobctl({"start", "--on", "slurm", "--partition", "nosuchpartition", "--", "true"});
    EXPECT_EQ(result.exit_code, 10);
    EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
    EXPECT_NE(result.err.find("nvalid partition"), std::string::npos) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(SlurmJobs, NoSbatchOnPathIsAClearError) {
    CliResult result = shell("PATH=/nonexistent " + bin_dir() + "/jobctl start --on slurm -- true");
    EXPECT_EQ(result.exit_code, 8) << result.err;
    EXPECT_NE(result.err.find("sbatch"), std::string::npos) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(SlurmJobs, ReceiveWaitFollowsTheOutputLive) {
    // The job says "first" and then waits for a file that only the reader
    // creates once it has read "first": so the whole run ends only if
    // receive --wait delivers output while the job still runs.
    std::string go = path("go");
    JobId id = submit(two_part_command(go));
    CliResult result = shell("timeout 120 " + bin_dir() + "/jobctl receive --wait " + std::to_string(id) +
                             " | { read -r line; echo \"$line\"; touch " + go + "; cat; }");
    EXPECT_EQ(result.out, "first\nsecond\n") << result.err;
    EXPECT_EQ(finished(id).state, JobState::completed);
}

}  // namespace
}  // namespace jobctl::test
