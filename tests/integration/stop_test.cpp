// Stop-Job and Remove-Job through the real binaries.

#include <signal.h>

#include <filesystem>

#include "jobctl_test.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::test {
namespace {

using Stop = JobctlTest;

TEST_F(Stop, StopsTheWholeProcessTree) {
    JobId id = start({"sh", "-c", "sleep 100 & sleep 100"}, "tree");
    JobInfo running = wait_until_running(id);
    CliResult result = jobctl({"stop", "tree"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_TRUE(job.ended);
    EXPECT_TRUE(wait_for_group_gone(running.process_id)) << "a sleep of the job survived";
}

TEST_F(Stop, WorksWhenTheStartingShellIgnoredTheSignals) {
    // Ignored signals survive exec; the worker must not inherit that.
    CliResult started = shell("trap '' TERM INT HUP CHLD; exec jobctl start -q -- sleep 100");
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    wait_until_running(id);
    CliResult stop = jobctl({"stop", std::to_string(id), "--timeout", "30"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(repository().find(id)->state, JobState::stopped);
}

TEST_F(Stop, EscalatesToSigkillAfterTheGracePeriod) {
    JobId id = start({"sh", "-c", "trap '' TERM; echo ready; while :; do sleep 1; done"});
    wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });  // the trap is set
    CliResult result = jobctl({"stop", std::to_string(id), "--grace", "0.2"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_EQ(job.term_signal, SIGKILL);
}

TEST_F(Stop, StoppingAFinishedJobChangesNothing) {
    JobId id = start({"true"});
    wait_until_finished(id);
    EXPECT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    EXPECT_EQ(repository().find(id)->state, JobState::completed);
}

TEST_F(Stop, NeverSignalsAProcessItHasNotVerified) {
    // A job whose recorded worker pid now belongs to an unrelated process
    // (same pid, different start time), as after pid reuse.
    CliProcess bystander({"sleep", "60"});
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "fake"});
    detail::SlotPatch::update(detail::table_of(repository()), job.id, [&](detail::JobSlot& slot) {
        slot.owner_pid = bystander.pid();
        slot.owner_start_time = 1;  // not the bystander's
        slot.owner_claimed = 1;
        detail::set_state(slot, JobState::running);
        return true;
    });
    jobctl({"stop", std::to_string(job.id), "--timeout", "5"});
    EXPECT_EQ(::kill(bystander.pid(), 0), 0) << "the bystander was signalled";
    EXPECT_EQ(repository().find(job.id)->reason, "worker lost");
}

TEST_F(Stop, RemoveRefusesARunningJobUnlessForced) {
    JobId id = start({"sleep", "100"}, "busy");
    wait_until_running(id);
    CliResult refused = jobctl({"remove", "busy"});
    EXPECT_EQ(refused.exit_code, 5);
    EXPECT_NE(refused.err.find("--force"), std::string::npos);
    EXPECT_EQ(repository().find(id)->state, JobState::running);
    CliResult forced = jobctl({"remove", "--force", "busy"});
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_FALSE(repository().find(id));
}

TEST_F(Stop, RemoveDeletesTheSpoolFolder) {
    JobId id = start({"echo", "some output"});
    wait_until_finished(id);
    ASSERT_TRUE(std::filesystem::exists(detail::table_of(repository()).job_directory(id)));
    EXPECT_EQ(jobctl({"remove", std::to_string(id)}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(detail::table_of(repository()).job_directory(id)));
    EXPECT_FALSE(repository().find(id));
    EXPECT_EQ(jobctl({"get", std::to_string(id)}).exit_code, 3);
}

TEST_F(Stop, RemoveByStateRemovesOnlyThose) {
    JobId good = start({"true"});
    JobId bad = start({"false"});
    wait_until_finished(good);
    wait_until_finished(bad);
    EXPECT_EQ(jobctl({"remove", "--state", "Completed"}).exit_code, 0);
    EXPECT_FALSE(repository().find(good));
    EXPECT_TRUE(repository().find(bad));
}

}  // namespace
}  // namespace jobctl::test
