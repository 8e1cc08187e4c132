// Reading `squeue --array --states=all -O JobArrayID:|,State:|,Reason:|,
// exit_code:|,NodeList:|` (as Slurm 22.05 prints it) into SlurmJobRecords:
// single jobs, array tasks, exit codes given as wait statuses.

#include <gtest/gtest.h>

#include "slurm/squeue_query.hpp"

namespace jobctl {
namespace {

using detail::parse_squeue_jobs;
using detail::SlurmJobRecord;

TEST(SlurmSqueue, ASingleJobAndArrayTasks) {
    std::vector<SlurmJobRecord> records = parse_squeue_jobs(
        "2|RUNNING|None|0|vm|\n"
        "1_3|PENDING|JobArrayTaskLimit|0||\n"
        "1_0|FAILED|NonZeroExitCode|768|vm|\n");
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0].job_id, "2");
    EXPECT_EQ(records[0].array_job_id, std::nullopt);
    EXPECT_EQ(records[0].state, "RUNNING");
    EXPECT_EQ(records[0].node_list, "vm");
    EXPECT_EQ(records[1].job_id, "1_3");
    EXPECT_EQ(records[1].array_job_id, 1u);
    EXPECT_EQ(records[1].array_tasks, std::vector<std::uint32_t>{3});
    EXPECT_EQ(records[1].reason, "JobArrayTaskLimit");
    EXPECT_EQ(records[1].node_list, "");
    EXPECT_EQ(records[2].state, "FAILED");
    EXPECT_EQ(records[2].exit_code, 3);
    EXPECT_EQ(records[2].exit_signal, 0);
}

TEST(SlurmSqueue, AWaitStatusOfASignalIsTheSignal) {
    std::vector<SlurmJobRecord> records = parse_squeue_jobs("7|CANCELLED|None|9|vm|\n");
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].exit_code, 0);
    EXPECT_EQ(records[0].exit_signal, 9);
}

TEST(SlurmSqueue, LinesThatAreNotRecordsAreSkipped) {
    std::vector<SlurmJobRecord> records = parse_squeue_jobs(
        "\nslurm_load_jobs error: X\n4|RUNNING|None|0\n|RUNNING|None|0|vm|\n5|RUNNING|None|x|vm|");
    ASSERT_EQ(records.size(), 1u);  // the last: no newline at the end, a status that is no number
    EXPECT_EQ(records[0].job_id, "5");
    EXPECT_EQ(records[0].exit_code, 0);
}

}  // namespace
}  // namespace jobctl
