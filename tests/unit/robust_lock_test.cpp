// Crash safety of the repository lock: a process killed inside the critical
// section (really killed, with SIGKILL) must not wedge or corrupt anything.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstddef>
#include <filesystem>
#include <future>
#include <set>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "output/output_log.hpp"
#include "repository_test.hpp"
#include "table/crash_points.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::test {
namespace {

using RobustLock = RepositoryTest;

testing::CrashPoint armed_point;
int armed_passes = 1;  // die the n-th time the point is reached

void die_at_armed_point(testing::CrashPoint point) {
    if (point == armed_point && --armed_passes == 0) ::raise(SIGKILL);
}

// A lookup that takes the lock (find does not: readers never lock).
bool found_under_lock(Repository& repo, JobId id) {
    return detail::SlotPatch::update(detail::table_of(repo), id, [](detail::JobSlot&) { return false; });
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
                        [&](Repository& repo) { found_under_lock(repo, job.id); });
    auto found = repository().find(job.id);  // would block forever with a non-robust mutex
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "survivor");
    EXPECT_NO_THROW(detail::table_of(repository()).add({"after", JobType::process, "true"}));
}

TEST_F(RobustLock, HalfWrittenSlotIsRestoredByTheNextLocker) {
    JobInfo job = detail::table_of(repository()).add({"before", JobType::process, "echo before"});
    run_child_killed_at(testing::CrashPoint::slot_half_written, repository_name(), [&](Repository& repo) {
        detail::SlotPatch::update(detail::table_of(repo), job.id, [](detail::JobSlot& slot) {
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

// Dies once a slot has been written and the lock is about to be released.
bool slot_written = false;
void die_after_a_write(testing::CrashPoint point) {
    if (point == testing::CrashPoint::slot_half_written) slot_written = true;
    if (point == testing::CrashPoint::before_unlock && slot_written) ::raise(SIGKILL);
}

// Found by the torture suite: a remove killed between freeing the slot and
// deleting the output left a folder that no job would ever own again. The
// next remove deletes it.
TEST_F(RobustLock, OutputLeftByAKilledRemoveGoesWithTheNextRemove) {
    detail::JobTable& table = detail::table_of(repository());
    auto finished_with_output = [&](const std::string& name) {
        JobInfo job = table.add({name, JobType::process, "echo"});
        std::uint64_t size = OutputLogWriter(table.job_directory(job.id)).append(OutputStream::out, name);
        detail::SlotPatch::update(table, job.id, [&](detail::JobSlot& slot) {
            detail::set_state(slot, JobState::completed);
            slot.output_bytes = size;
            return true;
        });
        return job.id;
    };
    JobId first = finished_with_output("first");
    JobId second = finished_with_output("second");
    JobId kept = finished_with_output("kept");
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        auto repo = Repository::open(repository_name());
        testing::set_crash_hook(die_after_a_write);
        remove_job(repo, first);
        ::_exit(0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "the remove did not die after its write";
    EXPECT_FALSE(repository().find(first));
    remove_job(repository(), second);
    EXPECT_FALSE(std::filesystem::exists(table.job_directory(first)))
        << "the killed remove's leftover stayed";
    EXPECT_FALSE(std::filesystem::exists(table.job_directory(second)));
    EXPECT_TRUE(std::filesystem::exists(table.job_directory(kept)));
}

// Writes `value` over a field of the table's mutex, as damage would.
template <class T>
void damage_lock(const std::string& repository_name, std::size_t offset_in_mutex, T value) {
    int fd = ::open(table_path_of(repository_name).c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(fd, 0);
    auto offset = static_cast<off_t>(offsetof(detail::SegmentHeader, lock) + offset_in_mutex);
    ASSERT_EQ(::pwrite(fd, &value, sizeof value, offset), static_cast<ssize_t>(sizeof value));
    ::close(fd);
}

void hold_lock_as(const std::string& repository_name, std::uint32_t thread) {
    damage_lock(repository_name, offsetof(pthread_mutex_t, __data.__lock), thread);
}

// Under ThreadSanitizer the lock is a plain pthread_mutex_lock, without the
// repair of a damaged lock word (see lock_table in segment_lock.cpp).
#if defined(__SANITIZE_THREAD__)
#define SKIP_UNDER_TSAN() GTEST_SKIP() << "no damaged-lock repair under ThreadSanitizer"
#else
#define SKIP_UNDER_TSAN() (void)0
#endif

// The table fuzzers found these: a lock word naming a thread that does not
// hold it made every later locker wait forever.
TEST_F(RobustLock, LockHeldByAThreadThatDoesNotExistIsRepaired) {
    SKIP_UNDER_TSAN();
    JobInfo job = detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    hold_lock_as(repository_name(), 4194303);  // above any pid_max but the largest: no such thread
    EXPECT_TRUE(found_under_lock(repository(), job.id));
    auto found = repository().find(job.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "survivor");
    EXPECT_NO_THROW(detail::table_of(repository()).add({"after", JobType::process, "true"}));
}

TEST_F(RobustLock, LockHeldByAProcessWithoutTheTableIsRepaired) {
    SKIP_UNDER_TSAN();
    JobInfo job = detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    hold_lock_as(repository_name(), 1);  // init: alive, but it never mapped this table
    EXPECT_TRUE(found_under_lock(repository(), job.id));
}

TEST_F(RobustLock, LockHeldByTheWaitingThreadItselfIsRepaired) {
    SKIP_UNDER_TSAN();
    JobInfo job = detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    hold_lock_as(repository_name(), static_cast<std::uint32_t>(::gettid()));
    EXPECT_TRUE(found_under_lock(repository(), job.id));
}

TEST_F(RobustLock, LockOfAStoppedHolderIsWaitedFor) {
    JobInfo job = detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    std::string fifo = home() + "/paused";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    int reports = ::open(fifo.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    ASSERT_GE(reports, 0);
    pid_t holder = ::fork();
    ASSERT_GE(holder, 0);
    if (holder == 0) {
        testing::pause_at(testing::CrashPoint::lock_acquired, 1, fifo.c_str());
        Repository repo = Repository::open(repository_name());
        found_under_lock(repo, job.id);  // stops inside, holding the lock
        ::_exit(0);
    }
    pollfd paused{reports, POLLIN, 0};
    ASSERT_EQ(::poll(&paused, 1, 20000), 1) << "the holder did not pause";
    // A live holder that has the table mapped is waited for, however long.
    auto waiter = std::async(std::launch::async, [&] {
        Repository repo = Repository::open(repository_name());
        return found_under_lock(repo, job.id);
    });
    EXPECT_EQ(waiter.wait_for(std::chrono::milliseconds(1500)), std::future_status::timeout)
        << "the lock was taken from a live holder";
    ::kill(holder, SIGKILL);
    ::waitpid(holder, nullptr, 0);
    EXPECT_TRUE(waiter.get());
    ::close(reports);
}

TEST_F(RobustLock, LockOfAnotherKindIsRefusedOnOpen) {
    detail::table_of(repository()).add({"survivor", JobType::process, "true"});
    damage_lock(repository_name(), offsetof(pthread_mutex_t, __data.__kind), 0);  // a plain, private mutex
    try {
        Repository::open(repository_name());
        ADD_FAILURE() << "a table whose lock is not robust was opened";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::repository_unusable);
        EXPECT_NE(std::string(error.what()).find("damaged lock"), std::string::npos) << error.what();
    }
}

}  // namespace
}  // namespace jobctl::test
