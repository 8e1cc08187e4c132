// A repository that lasts: jobs and output survive logout and reboot, a
// full table makes room, and `jobctl repository` shows and deletes it.

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "jobctl/job_history.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/receive.hpp"
#include "jobctl_test.hpp"
#include "table/job_table.hpp"
#include "table/segment.hpp"
#include "tmpfs_mount.hpp"

namespace jobctl::test {
namespace {

using DurableRepository = JobctlTest;

std::string received(Repository& repository, JobId id) {
    std::string text;
    receive_output(repository, id, {.keep = true},
                   [&](OutputStream, std::string_view bytes) { text += bytes; });
    return text;
}

// What logind does at a user's last logout (RemoveIPC=yes): every POSIX
// shared-memory object of the user goes, and so does $XDG_RUNTIME_DIR. Only
// ever inside the test's private /dev/shm: as root, the machine's own
// /dev/shm holds other programs' shared memory. Returns false (and deletes
// nothing) when /dev/shm is not the private one.
bool simulate_logout(const PrivateDevShm& private_shm, const std::string& runtime_dir) {
    if (!private_shm.still_private()) return false;
    for (const auto& entry : std::filesystem::directory_iterator("/dev/shm")) {
        struct stat status {};
        if (::lstat(entry.path().c_str(), &status) == 0 && status.st_uid == ::geteuid() &&
            !S_ISDIR(status.st_mode))
            std::filesystem::remove(entry.path());
    }
    std::filesystem::remove_all(runtime_dir);
    return true;
}

// A file in the machine's /dev/shm standing for another program's shared
// memory: it must outlive the test's logout. Removed at the end.
class PlantedSharedMemory {
public:
    PlantedSharedMemory() : path_("/dev/shm/jobctl-test-planted-" + std::to_string(::getpid())) {
        std::ofstream(path_) << "someone else's\n";
    }
    ~PlantedSharedMemory() {
        std::error_code ignored;
        std::filesystem::remove(path_, ignored);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
};

// Runs `body` in a child process and returns its exit status, or -1 if it
// has not ended within `timeout` (then it is killed): what would hang on a
// stale lock ends the test instead.
int in_child(const std::function<int()>& body, std::chrono::seconds timeout = std::chrono::seconds(20)) {
    pid_t child = ::fork();
    if (child == 0) {
        int status = 99;
        try {
            status = body();
        } catch (...) {
        }
        ::_exit(status);
    }
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
    pollfd exited{pidfd, POLLIN, 0};
    bool ended = ::poll(&exited, 1, static_cast<int>(timeout.count() * 1000)) == 1;
    ::close(pidfd);
    if (!ended) ::kill(child, SIGKILL);
    int status = 0;
    ::waitpid(child, &status, 0);
    return ended && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST_F(DurableRepository, LivesInTheHomeNotInSharedMemory) {
    RepositoryInfo info = repository().describe();
    EXPECT_EQ(info.table, std::filesystem::path(home()) / repository_name() / "table");
    EXPECT_EQ(info.spool, std::filesystem::path(home()) / repository_name() / "output");
    EXPECT_TRUE(std::filesystem::is_regular_file(info.table));
    struct stat status {};
    ASSERT_EQ(::stat(info.table.c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(info.table.parent_path().c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0700u);
    EXPECT_EQ(info.capacity, Repository::kDefaultCapacity);
    EXPECT_EQ(info.layout_version, detail::kLayoutVersion);
}

TEST_F(DurableRepository, JobAndOutputSurviveLogout) {
#if defined(__SANITIZE_THREAD__)
    // ThreadSanitizer's own thread: a mount namespace can be left again only
    // by a single-threaded process (setns).
    GTEST_SKIP() << "needs a single-threaded process; ThreadSanitizer runs a thread of its own";
#endif
    PlantedSharedMemory planted;
    ASSERT_TRUE(std::filesystem::exists(planted.path()));
    {
        // From here on this process, its jobs and its jobctl commands see a
        // /dev/shm of their own; the guard's end leaves it.
        PrivateDevShm private_shm;
        if (private_shm.not_permitted()) GTEST_SKIP() << "not root: " << private_shm.why_not();
        ASSERT_TRUE(private_shm.entered()) << private_shm.why_not();
        EXPECT_FALSE(std::filesystem::exists(planted.path())) << "/dev/shm is not the private one";
        std::string runtime_dir = home() + "-runtime";
        std::filesystem::create_directory(runtime_dir);
        ::setenv("XDG_RUNTIME_DIR", runtime_dir.c_str(), 1);
        std::string fifo = home() + "/go";
        ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
        // Writes, waits for the "next login" to let it go on, writes again.
        JobId id = start({"sh", "-c", "echo before logout; read line < " + fifo + "; echo after logout"});
        wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
        ASSERT_TRUE(simulate_logout(private_shm, runtime_dir));
        {
            int fd = ::open(fifo.c_str(), O_WRONLY | O_CLOEXEC);  // the job is blocked opening it for reading
            ASSERT_GE(fd, 0);
            ASSERT_EQ(::write(fd, "\n", 1), 1);
            ::close(fd);
        }
        // The next login: a new process finds the job, waits for it and gets all of its output.
        CliResult listed = jobctl({"get", std::to_string(id)});
        EXPECT_EQ(listed.exit_code, 0) << listed.err;
        EXPECT_EQ(jobctl({"wait", std::to_string(id)}).exit_code, 0);
        EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "before logout\nafter logout\n");
        ::unsetenv("XDG_RUNTIME_DIR");
        std::filesystem::remove_all(runtime_dir);
    }
    EXPECT_TRUE(std::filesystem::exists(planted.path()))
        << "the logout simulation deleted shared memory the test did not make";
}

TEST_F(DurableRepository, RebootEndsUnfinishedJobsAndKeepsFinishedOnes) {
    ::setenv("JOBCTL_BOOT_ID", "boot-before", 1);
    JobId finished = start({"echo", "kept across the reboot"});
    wait_until_finished(finished);
    JobId unfinished = start({"sleep", "300"});
    wait_until_running(unfinished);
    // The lock "held" by a thread of the old boot: a thread id no process has.
    {
        auto table = detail::Segment::open_or_create(detail::locate_repository(repository_name(), true),
                                                     [] { return 1u; });
        table.header().lock.__data.__lock = 0x3ffffffe;
    }
    ::setenv("JOBCTL_BOOT_ID", "boot-after", 1);
    int status = in_child([&] {
        Repository after = Repository::open(repository_name());
        return static_cast<int>(after.list().size());
    });
    EXPECT_EQ(status, 2) << "the first open after the reboot hung or failed";
    JobInfo lost = *repository().find(unfinished);
    EXPECT_EQ(lost.state, JobState::failed);
    EXPECT_EQ(lost.reason, "lost at reboot");
    EXPECT_TRUE(lost.ended);
    // The open that ended it appended its history line before it returned.
    std::size_t lines = 0;
    read_history(repository(), [&](const HistoryEntry& entry) {
        if (entry.job.id != unfinished) return;
        ++lines;
        EXPECT_EQ(entry.job.reason, "lost at reboot");
        EXPECT_EQ(entry.job.state, JobState::failed);
    });
    EXPECT_EQ(lines, 1u);
    JobInfo kept = *repository().find(finished);
    EXPECT_EQ(kept.state, JobState::completed);
    EXPECT_EQ(received(repository(), finished), "kept across the reboot\n");
    EXPECT_EQ(repository().describe().reboots_survived, 1u);
    EXPECT_EQ(repository().describe().boot_id, "boot-after");
    ::unsetenv("JOBCTL_BOOT_ID");
}

TEST_F(DurableRepository, ConcurrentFirstOpensAfterARebootRecoverOnce) {
    ::setenv("JOBCTL_BOOT_ID", "boot-one", 1);
    repository();
    ::setenv("JOBCTL_BOOT_ID", "boot-two", 1);
    std::vector<std::thread> openers;
    std::atomic<int> failures{0};
    for (int i = 0; i < 8; ++i)
        openers.emplace_back([&] {
            try {
                Repository::open(repository_name()).list();
            } catch (const std::exception&) {
                ++failures;
            }
        });
    for (std::thread& opener : openers) opener.join();
    EXPECT_EQ(failures.load(), 0);
    EXPECT_EQ(repository().describe().reboots_survived, 1u);
    ::unsetenv("JOBCTL_BOOT_ID");
}

TEST_F(DurableRepository, FullTableEvictsTheOldestReceivedJobOnly) {
    ::setenv("JOBCTL_CAPACITY", "3", 1);
    // One after the other, so that they finish in id order.
    JobId first = wait_until_finished(start({"echo", "one"})).id;
    JobId second = wait_until_finished(start({"echo", "two"})).id;
    JobId third = wait_until_finished(start({"echo", "three"})).id;
    // Nothing received: nothing may go.
    CliResult refused = jobctl({"start", "--", "true"});
    EXPECT_EQ(refused.exit_code, 7);
    EXPECT_NE(refused.err.find("jobctl receive"), std::string::npos) << refused.err;
    EXPECT_EQ(repository().list().size(), 3u);
    // Received jobs make room, the one that finished first going first.
    EXPECT_EQ(jobctl({"receive", std::to_string(second)}).out, "two\n");
    EXPECT_EQ(jobctl({"receive", std::to_string(first)}).out, "one\n");
    std::filesystem::path first_output = detail::table_of(repository()).job_directory(first);
    ASSERT_TRUE(std::filesystem::exists(first_output));
    JobId fourth = start({"true"});
    EXPECT_NE(fourth, 0u);
    EXPECT_FALSE(repository().find(first)) << "the oldest received job should have made room";
    EXPECT_FALSE(std::filesystem::exists(first_output));
    EXPECT_TRUE(repository().find(second));
    EXPECT_TRUE(repository().find(third));
    ::unsetenv("JOBCTL_CAPACITY");
}

TEST_F(DurableRepository, RepositoryCommandShowsAndDeletes) {
    CliResult shown = jobctl({"repository", "--json"});
    EXPECT_EQ(shown.exit_code, 0) << shown.err;
    EXPECT_NE(shown.out.find("\"table\": \"" + home()), std::string::npos) << shown.out;
    EXPECT_NE(shown.out.find("\"local\": true"), std::string::npos) << shown.out;
    EXPECT_EQ(jobctl({"repo"}).exit_code, 0);

    JobId running = start({"sleep", "300"});
    JobInfo job = wait_until_running(running);
    CliResult refused = jobctl({"repository", "delete"});
    EXPECT_EQ(refused.exit_code, 5);
    EXPECT_NE(refused.err.find("--force"), std::string::npos) << refused.err;
    EXPECT_TRUE(repository().find(running)) << "a refused delete changed something";

    RepositoryInfo info = repository().describe();
    CliResult forced = jobctl({"repository", "delete", "--force"});
    EXPECT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_FALSE(std::filesystem::exists(info.table));
    EXPECT_FALSE(std::filesystem::exists(info.spool));
    EXPECT_TRUE(wait_for_group_gone(job.process_id)) << "the job's command outlived its repository";
}

TEST_F(DurableRepository, PathRepositoryKeepsItsOutputBesideIt) {
    std::string table = home() + "/elsewhere.table";
    ::setenv("JOBCTL_REPOSITORY", table.c_str(), 1);
    CliResult started = jobctl({"run", "--", "echo", "by path"});
    EXPECT_EQ(started.out, "by path\n");
    CliResult shown = jobctl({"repository", "--json"});
    EXPECT_NE(shown.out.find("\"spool\": \"" + table + ".output\""), std::string::npos) << shown.out;
    EXPECT_EQ(jobctl({"repository", "delete"}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(table));
    EXPECT_EQ(jobctl({"get"}).exit_code, 0);  // a relative path is refused, an absolute one works
    ::setenv("JOBCTL_REPOSITORY", "relative/table", 1);
    EXPECT_EQ(jobctl({"get"}).exit_code, 2);
    ::setenv("JOBCTL_REPOSITORY", repository_name().c_str(), 1);
    Repository::destroy(table);
}

TEST_F(DurableRepository, HomeOpenToOthersOrOfAnotherUserIsRefused) {
    std::string open_home = home() + "/open";
    ASSERT_EQ(::mkdir(open_home.c_str(), 0777), 0);
    ASSERT_EQ(::chmod(open_home.c_str(), 0777), 0);
    ::setenv("JOBCTL_HOME", open_home.c_str(), 1);
    CliResult refused = jobctl({"get"});
    EXPECT_EQ(refused.exit_code, 6);
    EXPECT_NE(refused.err.find("other users"), std::string::npos) << refused.err;
    if (::geteuid() == 0) {  // only root can make a folder of another user
        std::string foreign = home() + "/foreign";
        ASSERT_EQ(::mkdir(foreign.c_str(), 0700), 0);
        ASSERT_EQ(::chown(foreign.c_str(), 65534, 65534), 0);
        std::string link = home() + "/link";
        ASSERT_EQ(::symlink(foreign.c_str(), link.c_str()), 0);
        ::setenv("JOBCTL_HOME", link.c_str(), 1);
        CliResult foreign_refused = jobctl({"get"});
        EXPECT_EQ(foreign_refused.exit_code, 6);
        EXPECT_NE(foreign_refused.err.find("another user"), std::string::npos) << foreign_refused.err;
        EXPECT_TRUE(std::filesystem::is_empty(foreign)) << "something was written into another user's folder";
    }
    ::setenv("JOBCTL_HOME", home().c_str(), 1);
}

}  // namespace
}  // namespace jobctl::test
