// Change notification: waiters sleep on the futex and wake on changes made
// by other processes; timeouts are honoured.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include "jobctl/error.hpp"
#include "jobctl/job_waiting.hpp"
#include "repository_sleep.hpp"
#include "repository_test.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::test {
namespace {

using ChangeWait = RepositoryTest;

void finish(Repository& repository, JobId id) {
    detail::SlotPatch::update(detail::table_of(repository), id, [](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::completed);
        return true;
    });
}

// Forks a process that waits (wait_for_jobs, `mode`, 20 s) for `ids`; it
// exits 0 if the wait returned, 1 if it timed out.
pid_t wait_in_child(Repository& repository, const std::vector<JobId>& ids, WaitMode mode) {
    pid_t child = ::fork();
    if (child == 0) {
        auto jobs = wait_for_jobs(repository, ids, mode, deadline_after(std::chrono::seconds(20)));
        ::_exit(jobs ? 0 : 1);
    }
    return child;
}

int exit_status_of(pid_t child) {
    int status = 0;
    if (::waitpid(child, &status, 0) != child) return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The waiter is another process, seen asleep on the repository before the
// job finishes: it can only return through the cross-process wake-up (or
// its 20 s timeout, which fails the test).
TEST_F(ChangeWait, WaiterWakesWhenAnotherProcessFinishesTheJob) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    pid_t waiter = wait_in_child(repository(), {job.id}, WaitMode::all);
    ASSERT_GE(waiter, 0);
    ASSERT_TRUE(asleep_on_the_repository(waiter)) << "the waiter never went to sleep on the repository";
    finish(repository(), job.id);
    EXPECT_EQ(exit_status_of(waiter), 0) << "the waiter was not woken";
    EXPECT_EQ(repository().find(job.id)->state, JobState::completed);
}

// The probe the wake-up tests rely on: a sleep on a futex of the process's
// own (not in the repository) does not count, a wait on the repository does.
TEST_F(ChangeWait, TheAsleepProbeTellsAWaitOnTheRepositoryFromOtherSleeps) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    pid_t elsewhere = ::fork();
    ASSERT_GE(elsewhere, 0);
    if (elsewhere == 0) {
        std::atomic<int> word{0};
        word.wait(0);  // futex(2) on our own memory, for ever
        ::_exit(0);
    }
    EXPECT_FALSE(
        test::asleep_on_the_repository(elsewhere, repository().describe().table, std::chrono::seconds(1)));
    ::kill(elsewhere, SIGKILL);
    EXPECT_EQ(exit_status_of(elsewhere), 128 + SIGKILL);
    pid_t waiter = wait_in_child(repository(), {job.id}, WaitMode::all);
    ASSERT_GE(waiter, 0);
    EXPECT_TRUE(asleep_on_the_repository(waiter));
    finish(repository(), job.id);
    EXPECT_EQ(exit_status_of(waiter), 0);
}

TEST_F(ChangeWait, WaitTimesOutWhenNothingFinishes) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    auto jobs =
        wait_for_jobs(repository(), {job.id}, WaitMode::all, deadline_after(std::chrono::milliseconds(50)));
    EXPECT_FALSE(jobs);
}

TEST_F(ChangeWait, ChangeBetweenReadingTheCounterAndWaitingIsNotLost) {
    std::uint32_t seen = detail::table_of(repository()).change_count();
    detail::table_of(repository()).add({"", JobType::process, "true"});  // a change after `seen`
    auto before = std::chrono::steady_clock::now();
    detail::table_of(repository()).wait_for_change(seen, std::chrono::hours(1));  // must return at once
    EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::minutes(1));
}

TEST_F(ChangeWait, OutputAloneDoesNotWakeThoseWaitingForStates) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    std::uint32_t any = detail::table_of(repository()).change_count();
    std::uint32_t of_state = detail::table_of(repository()).change_count(detail::JobTable::Changes::of_state);
    detail::SlotPatch::update(detail::table_of(repository()), job.id, [](detail::JobSlot& slot) {
        slot.output_bytes += 100;  // output appended
        return true;
    });
    EXPECT_NE(detail::table_of(repository()).change_count(), any);
    EXPECT_EQ(detail::table_of(repository()).change_count(detail::JobTable::Changes::of_state), of_state);
    detail::SlotPatch::update(detail::table_of(repository()), job.id, [](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::running);
        return true;
    });
    EXPECT_NE(detail::table_of(repository()).change_count(detail::JobTable::Changes::of_state), of_state);
}

TEST_F(ChangeWait, AnyReturnsWhenOneOfSeveralFinishes) {
    JobInfo a = detail::table_of(repository()).add({"", JobType::process, "true"});
    JobInfo b = detail::table_of(repository()).add({"", JobType::process, "true"});
    pid_t waiter = wait_in_child(repository(), {a.id, b.id}, WaitMode::any);
    ASSERT_GE(waiter, 0);
    ASSERT_TRUE(asleep_on_the_repository(waiter)) << "the waiter never went to sleep on the repository";
    finish(repository(), b.id);
    EXPECT_EQ(exit_status_of(waiter), 0) << "the waiter was not woken";
}

// Nobody saw how a removed job ended: the wait fails (job_not_found),
// unless the waiter only needs it gone (a stop).
TEST_F(ChangeWait, RemovedJobFailsTheWaitUnlessItOnlyNeedsToBeGone) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    detail::table_of(repository()).erase(job.id);
    try {
        wait_for_jobs(repository(), {job.id}, WaitMode::all, deadline_after(std::chrono::seconds(1)));
        ADD_FAILURE() << "a wait on a removed job succeeded";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::job_not_found);
    }
    EXPECT_TRUE(wait_for_jobs(repository(), {job.id}, WaitMode::all, deadline_after(std::chrono::seconds(1)),
                              OnRemoved::finished));
}

}  // namespace
}  // namespace jobctl::test
