#pragma once
// Fixture for every test that touches a repository: a repository of its own
// (JOBCTL_REPOSITORY), this process as subreaper of whatever the test starts,
// and a teardown that stops every job, reaps every process and removes the
// segment and the spool, even when the test failed.

#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "jobctl/job.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::test {

class RepositoryTest : public ::testing::Test {
protected:
    void SetUp() override;
    void TearDown() override;

    Repository& repository();
    const std::string& repository_name() const { return name_; }
    // The test's own jobctl home (JOBCTL_HOME), removed at the end.
    const std::string& home() const { return home_; }

    // Waits (through the repository) until the job satisfies `condition`; fails the test on timeout.
    JobInfo wait_for(JobId id, const std::function<bool(const JobInfo&)>& condition,
                     std::chrono::seconds timeout = std::chrono::seconds(20));
    JobInfo wait_until_finished(JobId id);
    JobInfo wait_until_running(JobId id);
    // True once process `pid` sleeps on this test's repository (see
    // repository_sleep.hpp): call it before releasing what `pid` waits for.
    bool asleep_on_the_repository(pid_t pid);

private:
    std::string name_;
    std::string home_;
    std::optional<Repository> repository_;
};

// The table file of repository `name` in the current JOBCTL_HOME (its folder
// is created, so that a test can write a damaged table there).
std::string table_path_of(const std::string& name);

// Kills every remaining child of this process (orphans land here: we are a
// subreaper) and reaps it. Children running our own programs are first given
// a while to exit by themselves (see repository_test.cpp).
void reap_all_children();

// Reaps children that have already exited; never blocks.
void reap_exited_children();

// Waits (on pidfds, with a timeout) until no process is left in process
// group `group`. A stopped job's processes close their output (which ends
// the job) a moment before they finish exiting, so tests wait for that.
bool wait_for_group_gone(pid_t group, std::chrono::seconds timeout = std::chrono::seconds(20));

}  // namespace jobctl::test
