// Suspend-Job and Resume-Job through the real binaries: process jobs,
// foreach runs, and the thread jobs that cannot be suspended.

#include <poll.h>
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "fifo_gate.hpp"
#include "held_still.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_handle.hpp"
#include "jobctl/thread_job_host.hpp"
#include "jobctl_test.hpp"
#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"

namespace jobctl::test {
namespace {

using namespace std::chrono_literals;
using Suspend = JobctlTest;

std::string members(pid_t group) {
    std::string text;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        auto stat = detail::read_stat(std::stoi(name));
        if (stat && stat->group == group) text += name + ":" + stat->state + " ";
    }
    return text;
}

const std::vector<std::string> kChatty{"sh", "-c", "while :; do echo x; sleep 0.05; done"};

// Waits `how_long` for the job to change as `changed` says; true if it did.
// For a change that must not come: a bounded wait, not a sleep.
bool changes_within(Repository& repository, JobId id, const std::function<bool(const JobInfo&)>& changed,
                    std::chrono::milliseconds how_long) {
    return wait_until(
               repository, {id},
               [&](const std::vector<JobInfo>& jobs) { return jobs.empty() || changed(jobs.front()); },
               deadline_after(how_long))
        .has_value();
}

TEST_F(Suspend, SuspendedJobWritesNothingUntilResumed) {
    JobId id = start(kChatty, "chatty");
    wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    CliResult suspended = jobctl({"suspend", "chatty"});
    ASSERT_EQ(suspended.exit_code, 0) << suspended.err;
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::suspended);
    EXPECT_TRUE(job.suspend_requested);
    EXPECT_TRUE(group_held_still(job.process_id))
        << members(job.process_id) << " / " << members(job.process_id);
    std::uint64_t bytes = job.output_bytes;
    EXPECT_FALSE(changes_within(
        repository(), id, [&](const JobInfo& now) { return now.output_bytes != bytes; }, 500ms))
        << "a suspended job wrote output";
    // wait --timeout gives up on a suspended job like on any unfinished one.
    EXPECT_EQ(jobctl({"wait", "chatty", "--timeout", "0.2"}).exit_code, 4);

    CliResult resumed = jobctl({"resume", "chatty"});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(repository().find(id)->state, JobState::running);
    wait_for(id, [&](const JobInfo& now) { return now.output_bytes > bytes; });
    EXPECT_FALSE(repository().find(id)->suspend_requested);
}

TEST_F(Suspend, StopOfASuspendedJobEndsItPromptly) {
    JobId id = start({"sh", "-c", "sleep 100 & sleep 100"});
    JobInfo running = wait_until_running(id);
    ASSERT_EQ(jobctl({"suspend", std::to_string(id)}).exit_code, 0);
    // Well within the 5 s grace: SIGTERM must reach the stopped processes (SIGCONT).
    CliResult stop = jobctl({"stop", std::to_string(id), "--timeout", "3"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_NE(job.term_signal, std::optional<int>(SIGKILL));
    EXPECT_TRUE(wait_for_group_gone(running.process_id)) << "a process of the suspended job survived";
}

TEST_F(Suspend, RemoveForceTakesASuspendedJob) {
    JobId id = start({"sleep", "100"});
    JobInfo running = wait_until_running(id);
    ASSERT_EQ(jobctl({"suspend", std::to_string(id)}).exit_code, 0);
    CliResult removed = jobctl({"remove", "--force", std::to_string(id)});
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_FALSE(repository().find(id));
    EXPECT_TRUE(wait_for_group_gone(running.process_id));
}

TEST_F(Suspend, WorkerLostWhileSuspendedIsFoundAndLeavesNothing) {
    JobId id = start({"sh", "-c", "sleep 100 & sleep 100"});
    JobInfo running = wait_until_running(id);
    ASSERT_EQ(jobctl({"suspend", std::to_string(id)}).exit_code, 0);
    ProcessIdentity worker{running.owner_pid, running.owner_start_time, running.owner_pid_namespace};
    ASSERT_TRUE(worker.send_signal(SIGKILL));
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason.rfind("worker lost", 0), 0u) << job.reason;
    EXPECT_TRUE(wait_for_group_gone(running.process_id)) << "a stopped process outlived its worker";
}

TEST_F(Suspend, SuspendedTimeDoesNotCountAgainstTheTimeLimit) {
    // The job cannot end before the test lets it: the suspend lands on a
    // running job however slow the machine, and the limit (2 s) is only a
    // bound on the CLI calls around the suspension (3 s, more than the limit).
    FifoGate gate(home() + "/go");
    CliResult started =
        jobctl({"start", "-q", "--timeout", "2s", "--", "sh", "-c", gate.wait_command() + "; echo done"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    wait_until_running(id);
    ASSERT_EQ(jobctl({"suspend", std::to_string(id)}).exit_code, 0);
    ASSERT_EQ(repository().find(id)->state, JobState::suspended);
    // Longer than the limit: counted, it would end the job meanwhile.
    EXPECT_FALSE(changes_within(
        repository(), id, [](const JobInfo& job) { return job.state != JobState::suspended; }, 3s));
    ASSERT_EQ(jobctl({"resume", std::to_string(id)}).exit_code, 0);
    gate.release();
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
}

TEST_F(Suspend, ForeachParentSuspendsItsChildrenAndHoldsBackQueuedOnes) {
    CliResult started = jobctl({"foreach", "--as-job", "-q", "-j", "1", "--", "sh", "-c",
                                "while :; do echo {}; sleep 0.05; done", ":::", "a", "b"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    JobId first = parent + 1, second = parent + 2;
    wait_for(first, [](const JobInfo& job) { return job.output_bytes > 0; });

    ASSERT_EQ(jobctl({"suspend", std::to_string(parent)}).exit_code, 0);
    EXPECT_EQ(repository().find(parent)->state, JobState::suspended);
    JobInfo a = *repository().find(first);
    EXPECT_EQ(a.state, JobState::suspended);
    EXPECT_TRUE(group_held_still(a.process_id));
    EXPECT_EQ(repository().find(second)->state, JobState::suspended);  // queued: held back
    // With the first child stopped, the pool has a free thread: the held one must not take it.
    ASSERT_EQ(jobctl({"stop", std::to_string(first), "--timeout", "3"}).exit_code, 0);
    EXPECT_TRUE(wait_for_group_gone(a.process_id));
    EXPECT_FALSE(changes_within(
        repository(), second, [](const JobInfo& job) { return job.state != JobState::suspended; }, 500ms))
        << "a queued child started while its parent was suspended";

    ASSERT_EQ(jobctl({"resume", std::to_string(parent)}).exit_code, 0);
    wait_for(second, [](const JobInfo& job) { return job.output_bytes > 0; });
    EXPECT_EQ(repository().find(parent)->state, JobState::running);
    JobInfo b = *repository().find(second);
    ASSERT_EQ(jobctl({"stop", std::to_string(parent), "--timeout", "3"}).exit_code, 0);
    EXPECT_TRUE(wait_for_group_gone(b.process_id));
}

TEST_F(Suspend, ThreadJobCannotBeSuspended) {
    ThreadJobHost host(repository());
    Job job = host.start("loop", [](JobContext& context) {
        pollfd fd{context.stop_event_fd(), POLLIN, 0};
        while (!context.stop_requested()) ::poll(&fd, 1, -1);
    });
    wait_until_running(job.id());
    CliResult suspend = jobctl({"suspend", "loop"});
    EXPECT_EQ(suspend.exit_code, 2);
    EXPECT_NE(suspend.err.find("cannot be suspended"), std::string::npos) << suspend.err;
    EXPECT_EQ(std::count(suspend.err.begin(), suspend.err.end(), '\n'), 1) << suspend.err;
    JobInfo info = job.info();
    EXPECT_EQ(info.state, JobState::running);
    EXPECT_FALSE(info.suspend_requested);
    EXPECT_THROW(job.suspend(), Error);
    job.stop();
    job.wait();
}

}  // namespace
}  // namespace jobctl::test
