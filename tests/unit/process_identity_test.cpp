// ProcessIdentity: which process an owner pid names, and whether it runs.

#include "system/process_identity.hpp"

#include <gtest/gtest.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include "system/proc_stat.hpp"

namespace jobctl::test {
namespace {

// The thread that outlives main's: waits for the pipe to close, then ends
// the process.
void* wait_for_close(void* argument) {
    char byte;
    while (::read(*static_cast<int*>(argument), &byte, 1) > 0) {
    }
    ::_exit(0);
}

// Until /proc shows `pid`'s first thread exited: no sleeping, a bounded look.
void await_zombie_leader(pid_t pid) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (;;) {
        auto fields = detail::read_stat(pid);
        ASSERT_TRUE(fields);
        if (fields->state == 'Z') return;
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the main thread never showed as exited";
        std::this_thread::yield();
    }
}

// A start names its worker by the tick its fork fell in, without /proc:
// that must be the very start time /proc shows, fork after fork, or
// liveness would take every worker for dead.
TEST(ProcessIdentity, AForkStampNamesTheChildAsProcDoes) {
    for (int fork_number = 0; fork_number < 300; ++fork_number) {
        int hold[2];
        ASSERT_EQ(::pipe(hold), 0);
        ForkStamp stamp;
        pid_t child = ::fork();
        ASSERT_GE(child, 0);
        if (child == 0) {
            ::close(hold[1]);
            char byte;
            [[maybe_unused]] ssize_t got = ::read(hold[0], &byte, 1);  // until the parent has looked
            ::_exit(0);
        }
        ::close(hold[0]);
        std::optional<ProcessIdentity> stamped = stamp.child(child);
        std::optional<ProcessIdentity> read = ProcessIdentity::of(child);
        ::close(hold[1]);
        ::waitpid(child, nullptr, 0);
        ASSERT_TRUE(stamped && read);
        ASSERT_EQ(stamped->start_time, read->start_time) << "fork " << fork_number;
        ASSERT_EQ(stamped->pid_namespace, read->pid_namespace);
    }
}

// A thread-job host whose main thread called pthread_exit still runs its
// jobs: /proc shows its first thread a zombie, yet it is alive.
TEST(ProcessIdentity, AProcessWhoseMainThreadExitedIsAliveUntilItsLastThreadEnds) {
    int release[2];
    int started[2];
    ASSERT_EQ(::pipe(release), 0);
    ASSERT_EQ(::pipe(started), 0);
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::close(release[1]);
        ::close(started[0]);
        pthread_t thread;
        if (pthread_create(&thread, nullptr, wait_for_close, &release[0]) != 0) ::_exit(1);
        ::close(started[1]);
        // The thread's exit, not the process's (as pthread_exit, but without
        // the unwinding, which the test framework would catch).
        ::syscall(SYS_exit, 0);
    }
    ::close(release[0]);
    ::close(started[1]);
    char byte;
    EXPECT_EQ(::read(started[0], &byte, 1), 0);  // closed: the thread runs
    ::close(started[0]);
    auto identity = ProcessIdentity::of(child);
    EXPECT_TRUE(identity);
    await_zombie_leader(child);
    if (identity) {
        EXPECT_TRUE(identity->alive());
    }
    EXPECT_TRUE(ProcessIdentity::of(child));
    ::close(release[1]);  // the process ends, whatever failed above
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    if (identity) {
        EXPECT_FALSE(identity->alive());
    }
    EXPECT_FALSE(ProcessIdentity::of(child));
}

}  // namespace
}  // namespace jobctl::test
