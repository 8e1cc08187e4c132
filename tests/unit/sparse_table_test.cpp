// The table file is sparse: slots get their disk blocks as they are first
// used (docs/decisions/0055-the-table-grows-on-disk.md). On tmpfs even a
// read of a hole through the mapping takes a page (and is a SIGBUS when it
// is full), so these tests keep their tables on tmpfs: /dev/shm for what
// any user can run, a tmpfs of their own (root) for a full disk.

#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>

#include "jobctl/error.hpp"
#include "repository_test.hpp"
#include "table/crash_points.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"
#include "tmpfs_mount.hpp"

namespace jobctl::test {
namespace {

// What a new table of the default capacity reserves for its name heads.
constexpr std::uint64_t kHeadsBlocks = detail::name_heads_blocks(Repository::kDefaultCapacity, 4096);

std::uint64_t allocated_bytes(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_blocks) * 512 : 0;
}

bool on_tmpfs(const std::string& folder) {
    struct statfs status {};
    return ::statfs(folder.c_str(), &status) == 0 && status.f_type == TMPFS_MAGIC;
}

// Runs `body` in a child process; returns its exit status, or 128 + the signal that killed it.
int in_child(const std::function<int()>& body) {
    pid_t child = ::fork();
    if (child == 0) {
        int status = 99;
        try {
            status = body();
        } catch (...) {
        }
        ::_exit(status);
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void die_when_locked(testing::CrashPoint point) {
    if (point == testing::CrashPoint::lock_acquired) ::raise(SIGKILL);
}

// A table given by path on /dev/shm, removed at the end.
class SparseTable : public RepositoryTest {
protected:
    void SetUp() override {
        RepositoryTest::SetUp();
        if (!on_tmpfs("/dev/shm")) GTEST_SKIP() << "/dev/shm is not a tmpfs here";
        path_ = "/dev/shm/jobctl-test-" + std::to_string(::getpid()) + "-sparse";
        Repository::destroy(path_);
    }
    void TearDown() override {
        if (!path_.empty()) Repository::destroy(path_);
        RepositoryTest::TearDown();
    }
    std::string path_;
};

TEST_F(SparseTable, RepairsAfterACrashAndAfterARebootReadNoHole) {
    Repository repo = Repository::open(path_);
    JobId id = detail::table_of(repo).add({"kept", JobType::process, "true"}).id;
    const std::uint64_t before = allocated_bytes(path_);
    EXPECT_LE(before, 68u * 1024 + kHeadsBlocks);

    // A locker killed inside the lock: the next one repairs, looking at every slot there is.
    int status = in_child([&] {
        Repository child = Repository::open(path_);
        testing::set_crash_hook(die_when_locked);
        detail::SlotPatch::update(detail::table_of(child), id, [](detail::JobSlot&) { return false; });
        return 0;
    });
    ASSERT_EQ(status, 128 + SIGKILL) << "the child did not die in the lock";
    EXPECT_NO_THROW(detail::table_of(repo).add({"after", JobType::process, "true"}));
    ASSERT_TRUE(repo.find(id));
    EXPECT_EQ(allocated_bytes(path_), before) << "the crash repair read the holes of the table";

    // The first open after a reboot: the same repair, under the file lock.
    ::setenv("JOBCTL_BOOT_ID", "sparse-boot-after", 1);
    status = in_child([&] { return static_cast<int>(Repository::open(path_).list().size()); });
    ::unsetenv("JOBCTL_BOOT_ID");
    EXPECT_EQ(status, 2);
    EXPECT_EQ(repo.describe().reboots_survived, 1u);
    EXPECT_EQ(allocated_bytes(path_), before) << "the reboot recovery read the holes of the table";
}

// A family is registered whole or not at all: one too big for the disk
// is refused before anything is written, and a single job still fits.
TEST_F(SparseTable, AFamilyTooBigForTheDiskIsRefusedWhole) {
    TmpfsMount disk(home() + "/disk", 64 * 1024 + kHeadsBlocks);
    if (disk.not_permitted()) GTEST_SKIP() << disk.why_not();
    ASSERT_TRUE(disk.mounted()) << disk.why_not();
    std::string table = (disk.path() / "table").string();
    Repository repo = Repository::open(table);
    detail::JobTable& jobs = detail::table_of(repo);
    std::vector<detail::NewJob> children(100, detail::NewJob{"", JobType::thread, "child"});
    try {
        jobs.add_family({"family", JobType::thread, "parent"}, children);
        ADD_FAILURE() << "a family of 101 jobs fitted in 64 KiB";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::system);
        EXPECT_NE(std::string(error.what()).find("no room on the disk"), std::string::npos) << error.what();
    }
    EXPECT_TRUE(repo.list().empty());
    EXPECT_EQ(jobs.next_id(), 1u);
    EXPECT_EQ(jobs.add({"single", JobType::process, "true"}).id, 1u);
    Repository::destroy(table);
}

// Processes registering at once on a disk that fills up: each gets its
// jobs or the one error, never a SIGBUS (which the table's guard would
// turn into "truncated, replaced or removed"), and no id twice.
TEST_F(SparseTable, ProcessesRegisteringAtOnceOnAFillingDiskNeverFault) {
    TmpfsMount disk(home() + "/disk", 192 * 1024 + kHeadsBlocks);
    if (disk.not_permitted()) GTEST_SKIP() << disk.why_not();
    ASSERT_TRUE(disk.mounted()) << disk.why_not();
    std::string table = (disk.path() / "table").string();
    Repository repo = Repository::open(table);
    constexpr int kProcesses = 4;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            int added = 0;
            try {
                Repository mine = Repository::open(table);
                for (;; ++added) detail::table_of(mine).add({"", JobType::process, "true"});
            } catch (const Error& error) {
                bool no_room = error.code() == ErrorCode::system &&
                               std::string(error.what()).find("no room on the disk") != std::string::npos;
                ::_exit(no_room ? added : 255);
            }
            ::_exit(254);
        }
        children.push_back(child);
    }
    int registered = 0;
    for (pid_t child : children) {
        int status = 0;
        ASSERT_EQ(::waitpid(child, &status, 0), child);
        ASSERT_TRUE(WIFEXITED(status)) << "a registering process was killed by signal " << WTERMSIG(status);
        ASSERT_LT(WEXITSTATUS(status), 250) << "a registering process got another error than a full disk";
        registered += WEXITSTATUS(status);
    }
    auto listed = repo.list();
    EXPECT_EQ(listed.size(), static_cast<std::size_t>(registered));
    EXPECT_GT(registered, 100);
    std::set<JobId> ids;
    for (const JobInfo& job : listed) EXPECT_TRUE(ids.insert(job.id).second) << job.id;
    EXPECT_LE(allocated_bytes(table), 192u * 1024 + kHeadsBlocks);
    Repository::destroy(table);
}

}  // namespace
}  // namespace jobctl::test
