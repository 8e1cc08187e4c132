// Crash safety of the repository lock: a process killed inside the critical
// section (really killed, with SIGKILL) must not wedge or corrupt anything.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <set>

#include "repository_test.hpp"
#include "table/crash_points.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::test {
namespace {

using RobustLock = RepositoryTest;

testing::CrashPoint armed_point;

void die_at_armed_point(testing::CrashPoint point) {
    if (point == armed_point) ::raise(SIGKILL);
}

// Runs `action` in a child process that dies at `point`; expects it to die so.
void run_child_killed_at(testing::CrashPoint point, const std::string& repository_name,
                         const std::function<void(Repository&)>& action) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto repo = Repository::open(repository_name);
        armed_point = point;
        testing::set_crash_hook(die_at_armed_point);
        action(repo);
        ::_exit(0);  // not reached when the hook fired
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "child did not die in the lock";
}

TEST_F(RobustLock, OwnerKilledWhileHoldingTheLockDoesNotWedgeTheNextLocker) {
    JobInfo job = detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    run_child_killed_at(testing::CrashPoint::lock_acquired, repository_name(),
                        [&](Repository& repo) { repo.find(job.id); });
    auto found = repository().find(job.id);  // would block forever with a non-robust mutex
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "survivor");
    EXPECT_NO_THROW(detail::table_of(repository()).add({"after", JobType::process, "true"}));
}

TEST_F(RobustLock, HalfWrittenSlotIsRestoredByTheNextLocker) {
    JobInfo job = detail::table_of(repository()).add({"before", JobType::process, "echo before"});
    run_child_killed_at(testing::CrashPoint::slot_half_written, repository_name(), [&](Repository& repo) {
        detail::table_of(repo).update(job.id, [](detail::JobSlot& slot) {
            detail::set_state(slot, JobState::completed);
            detail::copy_truncated(slot.name, "after");
            detail::copy_truncated(slot.reason, "half of this never lands");
            return true;
        });
    });
    auto found = repository().find(job.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "before");
    EXPECT_EQ(found->state, JobState::not_started);
    EXPECT_EQ(found->reason, "");
    EXPECT_EQ(found->command, "echo before");
}

TEST_F(RobustLock, CrashDuringAddNeverLendsAnIdTwice) {
    JobInfo first = detail::table_of(repository()).add({"", JobType::process, "true"});
    run_child_killed_at(testing::CrashPoint::slot_half_written, repository_name(), [&](Repository& repo) {
        detail::table_of(repo).add({"lost", JobType::process, "true"});
    });
    JobInfo next = detail::table_of(repository()).add({"", JobType::process, "true"});
    EXPECT_GT(next.id, first.id);
    for (const JobInfo& job : repository().list())
        EXPECT_NE(job.name, "lost");  // the half-added slot was undone
    std::set<JobId> ids;
    for (const JobInfo& job : repository().list()) EXPECT_TRUE(ids.insert(job.id).second);
}

}  // namespace
}  // namespace jobctl::test
