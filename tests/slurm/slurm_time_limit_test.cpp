// A Slurm job over its time limit: labelled slow (Slurm's smallest limit
// is a minute, and slurmctld looks at limits every 30 s).

#include "slurm_test.hpp"

namespace jobctl::test {
namespace {

TEST_F(SlurmJobs, AJobOverItsTimeIsFailedWithTimeout) {
    JobId id = submit({"sleep", "600"}, {"--time", "1"});
    JobInfo job = wait_for(
        id, [](const JobInfo& j) { return j.finished(); }, std::chrono::seconds(240));
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_NE(job.reason.find("TIMEOUT"), std::string::npos) << job.reason;
    EXPECT_EQ(jobctl({"wait", std::to_string(id)}).exit_code, 1);
}

}  // namespace
}  // namespace jobctl::test
