// Change notification: waiters sleep on the futex and wake on changes made
// by other processes; timeouts are honoured.

#include <sys/wait.h>
#include <unistd.h>

#include "jobctl/error.hpp"
#include "jobctl/job_waiting.hpp"
#include "repository_test.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::test {
namespace {

using ChangeWait = RepositoryTest;

void finish_in_child(const std::string& repository_name, JobId id) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto repo = Repository::open(repository_name);
        detail::table_of(repo).update(id, [](detail::JobSlot& slot) {
            detail::set_state(slot, JobState::completed);
            return true;
        });
        ::_exit(0);
    }
}

TEST_F(ChangeWait, WaiterWakesWhenAnotherProcessFinishesTheJob) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    finish_in_child(repository_name(), job.id);
    auto jobs =
        wait_for_jobs(repository(), {job.id}, WaitMode::all, deadline_after(std::chrono::seconds(20)));
    ASSERT_TRUE(jobs);
    EXPECT_EQ(jobs->front().state, JobState::completed);
    reap_all_children();
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
    detail::table_of(repository()).update(job.id, [](detail::JobSlot& slot) {
        slot.output_bytes += 100;  // output appended
        return true;
    });
    EXPECT_NE(detail::table_of(repository()).change_count(), any);
    EXPECT_EQ(detail::table_of(repository()).change_count(detail::JobTable::Changes::of_state), of_state);
    detail::table_of(repository()).update(job.id, [](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::running);
        return true;
    });
    EXPECT_NE(detail::table_of(repository()).change_count(detail::JobTable::Changes::of_state), of_state);
}

TEST_F(ChangeWait, AnyReturnsWhenOneOfSeveralFinishes) {
    JobInfo a = detail::table_of(repository()).add({"", JobType::process, "true"});
    JobInfo b = detail::table_of(repository()).add({"", JobType::process, "true"});
    finish_in_child(repository_name(), b.id);
    auto jobs =
        wait_for_jobs(repository(), {a.id, b.id}, WaitMode::any, deadline_after(std::chrono::seconds(20)));
    ASSERT_TRUE(jobs);
    reap_all_children();
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
