// Scale: a waiter on many jobs under a small descriptor limit, and a table of
// the largest capacity (1048576 slots) through the CLI and a crash in its lock.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli_runner.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/process_job.hpp"
#include "repository_test.hpp"
#include "system/file_descriptor.hpp"
#include "torture_support.hpp"

namespace jobctl::torture {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// How many pidfds process `pid` holds (its descriptors to anon_inode:[pidfd]).
int pidfds_of(pid_t pid) {
    std::string folder = "/proc/" + std::to_string(pid) + "/fd";
    int count = 0;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
        auto target = std::filesystem::read_symlink(entry.path(), error);
        if (!error && target.string() == "anon_inode:[pidfd]") ++count;
    }
    return count;
}

class Scale : public test::RepositoryTest {
protected:
    void SetUp() override {
        RepositoryTest::SetUp();
        // Jobs end when the test lets go of this lock: each runs `flock LOCK true`.
        lock_path_ = home() + "/release.lock";
        lock_.reset(::open(lock_path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
        ASSERT_TRUE(lock_);
        ASSERT_EQ(::flock(lock_.get(), LOCK_EX), 0);
    }
    void TearDown() override {
        lock_.reset();  // whatever happened, the jobs may end
        RepositoryTest::TearDown();
    }

    // `count` process jobs that block until release(); returns them once all run.
    std::vector<JobId> start_blocked_jobs(int count) {
        std::vector<JobId> ids;
        for (int i = 0; i < count; ++i)
            ids.push_back(start_process_job(repository(), {"", {"flock", lock_path_, "true"}}).id);
        auto running = wait_until(
            repository(), ids,
            [](const std::vector<JobInfo>& jobs) {
                return std::ranges::all_of(jobs,
                                           [](const JobInfo& job) { return job.state == JobState::running; });
            },
            deadline_after(60s));
        EXPECT_TRUE(running) << "the jobs did not all start";
        return ids;
    }
    void release() { lock_.reset(); }

    // Waits until `waiter` holds at least `wanted` pidfds; false if it
    // exited first or took longer than 30 s. Looks at its descriptors each
    // time it did not exit within 20 ms (the only way to see them).
    static bool waiter_watches(const Child& waiter, int wanted) {
        auto deadline = SteadyClock::now() + 30s;
        while (SteadyClock::now() < deadline) {
            if (pidfds_of(waiter.pid()) >= wanted) return true;
            pollfd exited{waiter.pidfd(), POLLIN, 0};
            if (::poll(&exited, 1, 20) > 0) return false;
        }
        return false;
    }

    // `jobctl ARGS` under `ulimit -Sn LIMIT`, stdout and stderr captured.
    static Child waiter_with_limit(int limit, const std::string& args) {
        return Child({"sh", "-c", "ulimit -Sn " + std::to_string(limit) + " && exec jobctl " + args}, {},
                     true);
    }

    std::string lock_path_;
    detail::FileDescriptor lock_;
};

// Issue 15: 1000 jobs, the default soft limit of 1024. The waiter keeps
// pidfds below 1024 - 128 and looks again for the owners beyond; it must not
// fail, mark a job lost, or return before the jobs end.
TEST_F(Scale, AWaiterOnAThousandJobsUnderUlimit1024ReturnsWhenTheyEnd) {
    std::vector<JobId> ids = start_blocked_jobs(1000);
    ASSERT_EQ(ids.size(), 1000u);
    Child waiter = waiter_with_limit(1024, "wait");
    ASSERT_TRUE(waiter_watches(waiter, 800)) << "the waiter ended early or watches no owners: "
                                             << (waiter.exited() ? (waiter.finish(), waiter.err()) : "");
    int held = pidfds_of(waiter.pid());
    EXPECT_LE(held, 1024 - 128) << "the waiter left no descriptors in reserve";
    EXPECT_FALSE(waiter.exited()) << "the waiter returned before the jobs ended";
    for (const JobInfo& job : repository().list()) EXPECT_EQ(job.state, JobState::running) << job.id;
    release();
    std::optional<int> code = waiter.finish_within(120s);
    ASSERT_TRUE(code) << "the waiter did not return after the jobs ended";
    EXPECT_EQ(*code, 0) << waiter.err();
    std::vector<JobInfo> jobs = repository().list();
    EXPECT_EQ(jobs.size(), 1000u);
    for (const JobInfo& job : jobs) EXPECT_EQ(job.state, JobState::completed) << job.id << " " << job.reason;
}

// More jobs than descriptors (200 jobs, ulimit 64): the waiters fall back to
// looking again, and still notice a worker killed among the owners they
// hold no pidfd for (the one started last) without anyone else looking.
TEST_F(Scale, WaitersWithFewerDescriptorsThanJobsLookAgainAndNoticeALostWorker) {
    std::vector<JobId> ids = start_blocked_jobs(200);
    ASSERT_EQ(ids.size(), 200u);
    std::optional<JobInfo> last = repository().find(ids.back());
    ASSERT_TRUE(last);
    Child any = waiter_with_limit(64, "wait --any");
    Child all = waiter_with_limit(64, "wait --all");
    ASSERT_TRUE(waiter_watches(any, 30)) << (any.exited() ? (any.finish(), any.err()) : "");
    ASSERT_TRUE(waiter_watches(all, 30)) << (all.exited() ? (all.finish(), all.err()) : "");
    EXPECT_FALSE(any.exited());
    ASSERT_TRUE(kill_and_wait(last->owner_pid, last->owner_start_time));
    // Nobody but the waiters looks at the table until --any returns.
    std::optional<int> code = any.finish_within(30s);
    ASSERT_TRUE(code) << "wait --any did not notice the lost worker";
    EXPECT_EQ(*code, 1) << any.err();
    EXPECT_NE(any.err().find("job " + std::to_string(last->id) + " (" + last->name + ") Failed: worker lost"),
              std::string::npos)
        << any.err();
    EXPECT_FALSE(all.exited()) << "wait --all returned while jobs ran";
    release();
    code = all.finish_within(120s);
    ASSERT_TRUE(code) << "wait --all did not return after the jobs ended";
    EXPECT_EQ(*code, 1) << all.err();
    EXPECT_EQ(test::lines_of(all.err()).size(), 1u) << all.err();  // the lost one only
    for (const JobInfo& job : repository().list())
        EXPECT_EQ(job.state, job.id == last->id ? JobState::failed : JobState::completed)
            << job.id << " " << job.reason;
}

// Issue 15: the largest table (1048576 slots, a 1.2 GB sparse file in the
// test's home): created, listed, and repaired after a start and a remove die
// inside its lock; no job is lost and it stays usable.
TEST_F(Scale, AMillionSlotTableIsListedAndRepairedAfterACrashInItsLock) {
    ::setenv("JOBCTL_CAPACITY", "1048576", 1);
    auto capacity = test::jobctl({"repository", "--json"});
    ::unsetenv("JOBCTL_CAPACITY");
    ASSERT_EQ(capacity.exit_code, 0) << capacity.err;
    EXPECT_NE(capacity.out.find("\"capacity\": 1048576"), std::string::npos) << capacity.out;

    test::CliResult empty = test::jobctl({"get"});
    EXPECT_EQ(empty.exit_code, 0) << empty.err;
    EXPECT_EQ(empty.out, "");
    std::vector<JobId> ids;
    for (int i = 0; i < 5; ++i) {
        auto started = test::jobctl({"start", "-q", "--name", "million-" + std::to_string(i), "--", "true"});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        ids.push_back(static_cast<JobId>(std::stoul(started.out)));
    }
    ASSERT_TRUE(wait_for_jobs(repository(), ids, WaitMode::all, deadline_after(30s)));
    auto listed = test::jobctl({"get"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_EQ(test::lines_of(listed.out).size(), 6u) << listed.out;
    auto one = test::jobctl({"get", std::to_string(ids[2])});
    ASSERT_EQ(one.exit_code, 0) << one.err;
    EXPECT_NE(one.out.find("million-2"), std::string::npos) << one.out;

    // A start dies with a slot half written, a remove with the lock just taken.
    PauseReports reports(home());
    Child start({"jobctl", "start", "-q", "--name", "crashed", "--", "true"},
                {reports.environment("jobctl", "slot_half_written", 1)}, false);
    ASSERT_TRUE(strike(start, reports, {Fault::slot_half_written, 1, {}}));
    EXPECT_EQ(start.finish(), 128 + SIGKILL);
    Child remove({"jobctl", "remove", std::to_string(ids[0])},
                 {reports.environment("jobctl", "lock_acquired", 1)}, false);
    ASSERT_TRUE(strike(remove, reports, {Fault::lock_acquired, 1, {}}));
    EXPECT_EQ(remove.finish(), 128 + SIGKILL);

    // The next process repairs: every job is still there, and the table works.
    auto after = test::jobctl({"get"});
    ASSERT_EQ(after.exit_code, 0) << after.err;
    for (int i = 0; i < 5; ++i)
        EXPECT_NE(after.out.find("million-" + std::to_string(i)), std::string::npos) << after.out;
    auto started = test::jobctl({"start", "-q", "--name", "after-crash", "--", "true"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId next = static_cast<JobId>(std::stoul(started.out));
    EXPECT_GT(next, ids.back());
    ASSERT_TRUE(wait_for_jobs(repository(), {next}, WaitMode::all, deadline_after(30s)));
    auto removed = test::jobctl({"remove", std::to_string(ids[0]), std::to_string(next)});
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    auto final_list = test::jobctl({"get"});
    ASSERT_EQ(final_list.exit_code, 0) << final_list.err;
    EXPECT_EQ(final_list.out.find("million-0"), std::string::npos);
    EXPECT_EQ(final_list.out.find("after-crash"), std::string::npos);
    for (int i = 1; i < 5; ++i)
        EXPECT_NE(final_list.out.find("million-" + std::to_string(i)), std::string::npos) << final_list.out;
    auto repository_info = test::jobctl({"repository", "--json"});
    EXPECT_NE(repository_info.out.find("\"capacity\": 1048576"), std::string::npos);
}

}  // namespace
}  // namespace jobctl::torture
