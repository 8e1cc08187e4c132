// Reading `scontrol show job -o` (real 22.05 output, slurm_captured_output.hpp)
// and `sacct -P` into SlurmJobRecords: the fields jobctl needs, values with
// spaces, array tasks (alone, pending together, at the end).

#include "slurm/slurm_job_record.hpp"

#include <gtest/gtest.h>

#include "jobctl/error.hpp"
#include "slurm/scontrol_line.hpp"
#include "slurm/slurm_job_id.hpp"
#include "slurm_captured_output.hpp"

namespace jobctl {
namespace {

namespace capture = slurm_capture;
using detail::expand_array_tasks;
using detail::parse_sacct_jobs;
using detail::parse_scontrol_jobs;
using detail::parse_scontrol_line;
using detail::SlurmJobRecord;
using Tasks = std::vector<std::uint32_t>;

SlurmJobRecord only_record(std::string_view text) {
    std::vector<SlurmJobRecord> records = parse_scontrol_jobs(text);
    EXPECT_EQ(records.size(), 1u);
    return records.empty() ? SlurmJobRecord{} : records.front();
}

TEST(SlurmJobRecord, RunningJob) {
    SlurmJobRecord record = only_record(capture::kRunning);
    EXPECT_EQ(record.job_id, "4265");
    EXPECT_EQ(record.array_job_id, std::nullopt);
    EXPECT_TRUE(record.array_tasks.empty());
    EXPECT_EQ(record.state, "RUNNING");
    EXPECT_EQ(record.reason, "None");
    EXPECT_EQ(record.exit_code, 0);
    EXPECT_EQ(record.exit_signal, 0);
    EXPECT_EQ(record.node_list, "vm");
    EXPECT_EQ(record.start_time, "2026-11-27T15:08:58");
    EXPECT_EQ(record.end_time, "Unknown");
}

TEST(SlurmJobRecord, EndedJobs) {
    SlurmJobRecord completed = only_record(capture::kCompleted);
    EXPECT_EQ(completed.state, "COMPLETED");
    EXPECT_EQ(completed.end_time, "2026-11-27T15:09:08");

    SlurmJobRecord failed = only_record(capture::kFailedExit3);
    EXPECT_EQ(failed.state, "FAILED");
    EXPECT_EQ(failed.reason, "NonZeroExitCode");
    EXPECT_EQ(failed.exit_code, 3);
    EXPECT_EQ(failed.exit_signal, 0);

    SlurmJobRecord killed = only_record(capture::kKilledBySignal);
    EXPECT_EQ(killed.state, "FAILED");
    EXPECT_EQ(killed.reason, "JobLaunchFailure");
    EXPECT_EQ(killed.exit_code, 0);
    EXPECT_EQ(killed.exit_signal, 9);

    SlurmJobRecord cancelled = only_record(capture::kCancelled);
    EXPECT_EQ(cancelled.state, "CANCELLED");
    EXPECT_EQ(cancelled.exit_signal, 15);

    EXPECT_EQ(only_record(capture::kSuspended).state, "SUSPENDED");
}

TEST(SlurmJobRecord, HeldJobHasNoNodeYet) {
    SlurmJobRecord record = only_record(capture::kHeldWithComment);
    EXPECT_EQ(record.state, "PENDING");
    EXPECT_EQ(record.reason, "JobHeldUser");
    EXPECT_EQ(record.node_list, "");
    EXPECT_EQ(record.start_time, "Unknown");
}

TEST(SlurmJobRecord, ArrayWithTasksPendingTogether) {
    std::vector<SlurmJobRecord> records = parse_scontrol_jobs(capture::kArrayRunning);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].job_id, "4271_[2-5%2]");
    EXPECT_EQ(records[0].array_job_id, 4271u);
    EXPECT_EQ(records[0].array_tasks, (Tasks{2, 3, 4, 5}));
    EXPECT_EQ(records[0].state, "PENDING");
    EXPECT_EQ(records[0].reason, "Resources");
    EXPECT_EQ(records[1].job_id, "4271_1");
    EXPECT_EQ(records[1].array_tasks, (Tasks{1}));
    EXPECT_EQ(records[1].state, "RUNNING");
    EXPECT_EQ(records[2].job_id, "4271_0");
    EXPECT_EQ(records[2].state, "COMPLETED");
}

// At the end the last task holds the array's own id (JobId=4271 ArrayTaskId=5).
TEST(SlurmJobRecord, ArrayAtItsEnd) {
    std::vector<SlurmJobRecord> records = parse_scontrol_jobs(capture::kArrayDone);
    ASSERT_EQ(records.size(), 6u);
    for (std::size_t at = 0; at < records.size(); ++at) {
        std::uint32_t task = 5 - static_cast<std::uint32_t>(at);
        EXPECT_EQ(records[at].job_id, "4271_" + std::to_string(task));
        EXPECT_EQ(records[at].array_tasks, (Tasks{task}));
        EXPECT_EQ(records[at].exit_code, static_cast<int>(task));
        EXPECT_EQ(records[at].state, task == 0 ? "COMPLETED" : "FAILED");
    }
}

TEST(SlurmJobRecord, ValuesWithSpacesStayWhole) {
    detail::ScontrolFields fields = parse_scontrol_line(capture::kHeldWithComment);
    EXPECT_EQ(fields["WorkDir"], "/tmp/slurmcap/dir with space");
    EXPECT_EQ(fields["Comment"], "a comment with spaces  and = sign");
    EXPECT_EQ(fields["StdOut"], "/tmp/slurmcap/dir with space/slurm-4255.out");
    EXPECT_EQ(fields["AllocNode:Sid"], "localhost:23634");
    EXPECT_EQ(fields["CPUs/Task"], "1");
    EXPECT_EQ(fields["TRES"], "cpu=1,mem=256M,node=1,billing=1");
    EXPECT_EQ(fields["NodeList"], "");
    EXPECT_EQ(fields["Power"], "");
}

TEST(SlurmJobRecord, FreeTextEndsOnlyAtAKnownKey) {
    detail::ScontrolFields fields = parse_scontrol_line(
        "JobId=7 JobName=x y=z JobState=RUNNING Reason=None ExitCode=0:0 "
        "WorkDir=/a b/c=d e Comment=rm -rf x=1 StdOut=/o NewKey=1 Power= Other=2");
    EXPECT_EQ(fields["JobName"], "x y=z");
    EXPECT_EQ(fields["WorkDir"], "/a b/c=d e");
    EXPECT_EQ(fields["Comment"], "rm -rf x=1");
    EXPECT_EQ(fields["StdOut"], "/o NewKey=1");  // free text: an unknown key may be part of it
    EXPECT_EQ(fields["Other"], "2");             // elsewhere any Key= starts a field
    EXPECT_EQ(fields["JobState"], "RUNNING");
}

TEST(SlurmJobRecord, AKeyUnknownToThisParserDoesNotSpoilAValue) {
    SlurmJobRecord record =
        only_record("JobId=8 JobState=RUNNING FutureKey=a b ExitCode=3:0 NodeList=n1 Later=x\n");
    EXPECT_EQ(record.state, "RUNNING");
    EXPECT_EQ(record.exit_code, 3);
    EXPECT_EQ(record.node_list, "n1");
}

TEST(SlurmJobRecord, LinesWithoutAJobAreSkipped) {
    EXPECT_TRUE(parse_scontrol_jobs("").empty());
    EXPECT_TRUE(parse_scontrol_jobs("\n\nNo jobs in the system\n").empty());
    EXPECT_EQ(parse_scontrol_jobs(std::string(capture::kCompleted) + "\n" + capture::kFailedExit3).size(),
              2u);
}

TEST(SlurmJobRecord, ArrayTaskLists) {
    EXPECT_EQ(expand_array_tasks("2-5%2"), (Tasks{2, 3, 4, 5}));
    EXPECT_EQ(expand_array_tasks("[2-5%2]"), (Tasks{2, 3, 4, 5}));
    EXPECT_EQ(expand_array_tasks("7"), (Tasks{7}));
    EXPECT_EQ(expand_array_tasks("0,3,7-9"), (Tasks{0, 3, 7, 8, 9}));
    EXPECT_EQ(expand_array_tasks("0-10:5"), (Tasks{0, 5, 10}));
    EXPECT_EQ(expand_array_tasks("[1,4-5%1]"), (Tasks{1, 4, 5}));
    for (const char* bad : {"", "x", "5-2", "1-", "0-10:0", ",", "0-4294967295"})
        EXPECT_THROW(expand_array_tasks(bad), Error) << bad;
}

TEST(SlurmJobRecord, OnlyJobIdsReachSlurmsArgv) {
    for (const char* good : {"12", "12_3", "0"}) EXPECT_TRUE(detail::is_slurm_job_id(good)) << good;
    for (const char* bad : {"", "-h", "12,13", "12_", "_3", "12_[2-5]", "12 13", "12_3_4", "x"})
        EXPECT_FALSE(detail::is_slurm_job_id(bad)) << bad;
    EXPECT_THROW(detail::check_slurm_job_id("-h"), Error);
}

// `sacct -n -P -X -o JobID,State,ExitCode` as this machine's jobcomp log gave it.
TEST(SlurmJobRecord, AccountingLines) {
    std::vector<SlurmJobRecord> records = parse_sacct_jobs(
        "4250|FAILED|3:0\n4252|CANCELLED by 0|0:0\n4253_1|COMPLETED|0:0\n4253_[2-5%2]|PENDING|0:0\n");
    ASSERT_EQ(records.size(), 4u);
    EXPECT_EQ(records[0].job_id, "4250");
    EXPECT_EQ(records[0].state, "FAILED");
    EXPECT_EQ(records[0].exit_code, 3);
    EXPECT_EQ(records[1].state, "CANCELLED");
    EXPECT_EQ(records[2].array_job_id, 4253u);
    EXPECT_EQ(records[2].array_tasks, (Tasks{1}));
    EXPECT_EQ(records[3].array_tasks, (Tasks{2, 3, 4, 5}));
    EXPECT_TRUE(parse_sacct_jobs("").empty());
}

}  // namespace
}  // namespace jobctl
