// From Slurm's record to jobctl's state, reason, exit code or signal, and
// whether it is the end: one row per Slurm state, and the real records.

#include "slurm/slurm_state.hpp"

#include <gtest/gtest.h>

#include "slurm/slurm_job_record.hpp"
#include "slurm_captured_output.hpp"

namespace jobctl {
namespace {

using detail::map_slurm_state;
using detail::SlurmJobRecord;
using detail::SlurmStatus;

struct Row {
    const char* slurm_state;
    const char* slurm_reason;
    int code, signal;
    JobState state;
    bool terminal;
    const char* reason;
    std::optional<int> exit_code, term_signal;
};

const Row kRows[] = {
    {"PENDING", "Priority", 0, 0, JobState::blocked, false, "slurm: PENDING (Priority)", {}, {}},
    {"PENDING", "None", 0, 0, JobState::blocked, false, "slurm: PENDING", {}, {}},
    {"CONFIGURING", "None", 0, 0, JobState::blocked, false, "slurm: CONFIGURING", {}, {}},
    {"REQUEUED", "BeginTime", 0, 0, JobState::blocked, false, "slurm: REQUEUED (BeginTime)", {}, {}},
    {"REQUEUE_HOLD",
     "JobHeldAdmin",
     0,
     0,
     JobState::blocked,
     false,
     "slurm: REQUEUE_HOLD (JobHeldAdmin)",
     {},
     {}},
    {"SPECIAL_EXIT", "None", 0, 0, JobState::blocked, false, "slurm: SPECIAL_EXIT", {}, {}},
    {"RUNNING", "None", 0, 0, JobState::running, false, "slurm: RUNNING on vm", {}, {}},
    {"COMPLETING", "None", 0, 15, JobState::running, false, "slurm: COMPLETING on vm", {}, {}},
    {"STAGE_OUT", "None", 0, 0, JobState::running, false, "slurm: STAGE_OUT on vm", {}, {}},
    {"RESIZING", "None", 0, 0, JobState::running, false, "slurm: RESIZING on vm", {}, {}},
    {"SUSPENDED", "None", 0, 0, JobState::suspended, false, "slurm: SUSPENDED", {}, {}},
    {"COMPLETED", "None", 0, 0, JobState::completed, true, "", 0, {}},
    {"FAILED", "NonZeroExitCode", 3, 0, JobState::failed, true, "slurm: FAILED, exited with code 3", 3, {}},
    {"FAILED", "JobLaunchFailure", 0, 9, JobState::failed, true, "slurm: FAILED, killed by signal 9", {}, 9},
    {"FAILED", "JobLaunchFailure", 0, 0, JobState::failed, true, "slurm: FAILED (JobLaunchFailure)", {}, {}},
    {"TIMEOUT", "TimeLimit", 143, 0, JobState::failed, true, "slurm: TIMEOUT, over its time limit", 143, {}},
    {"TIMEOUT", "TimeLimit", 0, 0, JobState::failed, true, "slurm: TIMEOUT, over its time limit", {}, {}},
    {"OUT_OF_MEMORY",
     "OutOfMemory",
     0,
     9,
     JobState::failed,
     true,
     "slurm: OUT_OF_MEMORY, over its memory limit",
     {},
     9},
    {"NODE_FAIL", "NodeDown", 0, 0, JobState::failed, true, "slurm: NODE_FAIL, its node failed", {}, {}},
    {"BOOT_FAIL", "None", 0, 0, JobState::failed, true, "slurm: BOOT_FAIL, its node failed to boot", {}, {}},
    {"DEADLINE",
     "DeadLine",
     0,
     0,
     JobState::failed,
     true,
     "slurm: DEADLINE, not done by its deadline",
     {},
     {}},
    {"PREEMPTED",
     "None",
     0,
     15,
     JobState::failed,
     true,
     "slurm: PREEMPTED, preempted by another job",
     {},
     15},
    {"REVOKED",
     "None",
     0,
     0,
     JobState::failed,
     true,
     "slurm: REVOKED, the federation runs it on another cluster",
     {},
     {}},
    {"CANCELLED", "None", 0, 15, JobState::stopped, true, "slurm: CANCELLED", {}, 15},
    {"CANCELLED", "Resources", 0, 0, JobState::stopped, true, "slurm: CANCELLED", {}, {}},  // while pending
    {"SOMETHING_NEW", "Why", 0, 0, JobState::blocked, false, "slurm: SOMETHING_NEW (Why)", {}, {}},
};

TEST(SlurmState, EveryStateMapsAsDocumented) {
    for (const Row& row : kRows) {
        SlurmJobRecord record;
        record.state = row.slurm_state;
        record.reason = row.slurm_reason;
        record.exit_code = row.code;
        record.exit_signal = row.signal;
        record.node_list = "vm";
        SlurmStatus status = map_slurm_state(record);
        SCOPED_TRACE(std::string(row.slurm_state) + " " + row.slurm_reason);
        EXPECT_EQ(status.state, row.state);
        EXPECT_EQ(status.terminal, row.terminal);
        EXPECT_EQ(status.reason, row.reason);
        EXPECT_EQ(status.exit_code, row.exit_code);
        EXPECT_EQ(status.term_signal, row.term_signal);
        EXPECT_EQ(status.terminal, is_terminal(status.state));
    }
}

SlurmStatus status_of(std::string_view captured) {
    return map_slurm_state(detail::parse_scontrol_jobs(captured).at(0));
}

TEST(SlurmState, RealRecords) {
    EXPECT_EQ(status_of(slurm_capture::kRunning).reason, "slurm: RUNNING on vm");
    EXPECT_EQ(status_of(slurm_capture::kHeldWithComment).reason, "slurm: PENDING (JobHeldUser)");
    EXPECT_EQ(status_of(slurm_capture::kCompleted).state, JobState::completed);
    EXPECT_EQ(status_of(slurm_capture::kFailedExit3).reason, "slurm: FAILED, exited with code 3");
    EXPECT_EQ(status_of(slurm_capture::kKilledBySignal).reason, "slurm: FAILED, killed by signal 9");
    EXPECT_EQ(status_of(slurm_capture::kCancelled).state, JobState::stopped);
    SlurmStatus timeout = status_of(slurm_capture::kTimeout);
    EXPECT_EQ(timeout.state, JobState::failed);
    EXPECT_EQ(timeout.reason, "slurm: TIMEOUT, over its time limit");
    EXPECT_EQ(timeout.term_signal, 15);
    EXPECT_EQ(status_of(slurm_capture::kSuspended).state, JobState::suspended);
    EXPECT_EQ(status_of(slurm_capture::kArrayRunning).reason, "slurm: PENDING (Resources)");
}

}  // namespace
}  // namespace jobctl
