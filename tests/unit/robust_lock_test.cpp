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
int armed_passes = 1;  // die the n-th time the point is reached

void die_at_armed_point(testing::CrashPoint point) {
    if (point == armed_point && --armed_passes == 0) ::raise(SIGKILL);
}

// Runs `action` in a child process that dies the `pass`-th time it reaches
// `point`; expects it to die so.
void run_child_killed_at(testing::CrashPoint point, const std::string& repository_name,
                         const std::function<void(Repository&)>& action, int pass = 1) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto repo = Repository::open(repository_name);
        armed_point = point;
        armed_passes = pass;
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

std::vector<detail::NewJob> children(std::size_t count) {
    return std::vector<detail::NewJob>(count, detail::NewJob{"", JobType::thread, "child"});
}

// A registrar killed after one child, or after every child but before the
// parent: the next locker finds none of the family, and its ids are not lent again.
TEST_F(RobustLock, CrashWhileRegisteringAFamilyLeavesNoneOfIt) {
    for (int pass : {1, 4}) {
        JobInfo before = detail::table_of(repository()).add({"before", JobType::process, "true"});
        run_child_killed_at(
            testing::CrashPoint::child_written, repository_name(),
            [&](Repository& repo) {
                detail::table_of(repo).add_family({"lost", JobType::thread, "x"}, children(4));
            },
            pass);
        for (const JobInfo& job : repository().list())
            EXPECT_TRUE(job.name.find("lost") == std::string::npos) << "pass " << pass << ": " << job.name;
        EXPECT_TRUE(repository().find(before.id));
        JobInfo next = detail::table_of(repository()).add_family({"next", JobType::thread, "x"}, children(2));
        EXPECT_GT(next.id, before.id);
        std::set<JobId> ids;
        for (const JobInfo& job : repository().list()) EXPECT_TRUE(ids.insert(job.id).second);
    }
}

// Children added to a parent that exists: those written whole stay (their
// host died, so liveness ends them "host lost" with their parent).
TEST_F(RobustLock, CrashWhileAddingChildrenKeepsTheWholeOnes) {
    JobInfo parent = detail::table_of(repository()).add_family({"run", JobType::thread, "x"}, children(1));
    run_child_killed_at(
        testing::CrashPoint::child_written, repository_name(),
        [&](Repository& repo) { detail::table_of(repo).add_children(parent.id, children(3), 2); }, 2);
    auto jobs = repository().list();
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[2].name, "run:2");
    EXPECT_EQ(jobs[3].name, "run:3");
    EXPECT_EQ(jobs[3].parent_id, parent.id);
    JobInfo next = detail::table_of(repository()).add({"next", JobType::process, "true"});
    EXPECT_GT(next.id, jobs[3].id);
}

}  // namespace
}  // namespace jobctl::test
