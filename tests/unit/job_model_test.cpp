#include <gtest/gtest.h>

#include "jobctl/job.hpp"

namespace jobctl {
namespace {

TEST(JobModel, StatesHavePowerShellNamesAndParseCaseInsensitively) {
    EXPECT_EQ(to_string(JobState::not_started), "NotStarted");
    EXPECT_EQ(parse_job_state("failed"), JobState::failed);
    EXPECT_EQ(parse_job_state("RUNNING"), JobState::running);
    EXPECT_FALSE(parse_job_state("Finished"));
}

TEST(JobModel, TypesHaveNamesAndScheduledRunsInAWorker) {
    EXPECT_EQ(to_string(JobType::process), "process");
    EXPECT_EQ(to_string(JobType::thread), "thread");
    EXPECT_EQ(to_string(JobType::scheduled), "scheduled");
    EXPECT_TRUE(runs_in_worker(JobType::process));
    EXPECT_TRUE(runs_in_worker(JobType::scheduled));
    EXPECT_FALSE(runs_in_worker(JobType::thread));
}

TEST(JobModel, TerminalStates) {
    EXPECT_TRUE(is_terminal(JobState::completed));
    EXPECT_TRUE(is_terminal(JobState::failed));
    EXPECT_TRUE(is_terminal(JobState::stopped));
    EXPECT_FALSE(is_terminal(JobState::stopping));
    EXPECT_FALSE(is_terminal(JobState::running));
    EXPECT_FALSE(is_terminal(JobState::not_started));
}

TEST(JobModel, HasMoreDataMeansUnreadBytes) {
    JobInfo job;
    job.output_bytes = 10;
    job.read_offset = 4;
    EXPECT_TRUE(job.has_more_data());
    job.read_offset = 10;
    EXPECT_FALSE(job.has_more_data());
}

}  // namespace
}  // namespace jobctl
