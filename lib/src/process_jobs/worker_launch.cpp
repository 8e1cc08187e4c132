// Starting a jobctl-worker: see worker_launch.hpp.

#include "process_jobs/worker_launch.hpp"

#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "jobctl/error.hpp"
#include "process_jobs/process_job_runner.hpp"
#include "system/command_spawn.hpp"
#include "system/detached_fork.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"
#include "table/crash_points.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

// The start-up state of every worker, set in the new process before it
// execs or runs: only async-signal-safe calls. With `keep_stdin`, the worker
// (and so its command) reads our stdin.
void prepare_worker_process(const sigset_t& defaulted, bool keep_stdin) {
    for (int signal = 1; signal < NSIG; ++signal)
        if (sigismember(&defaulted, signal) == 1) ::signal(signal, SIG_DFL);
    // Blocked until the worker reads them from its signalfds: a stop or a
    // suspend that arrives while it is still loading is not lost.
    sigset_t worker_signals = worker_signal_set();
    sigprocmask(SIG_SETMASK, &worker_signals, nullptr);
    // Raw descriptors here: no destructor runs in this child. close_range
    // closes null_fd (and a report pipe) along with everything else.
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        if (!keep_stdin) ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
    }
    ::close_range(3, ~0u, 0);  // the caller's descriptors are none of the worker's business
}

// In the detached grandchild.
[[noreturn]] void exec_worker(const char* worker, char* const* argv, const sigset_t& defaulted,
                              bool keep_stdin) {
    prepare_worker_process(defaulted, keep_stdin);
    ::execv(worker, argv);
    ::_exit(127);
}

// In the forked child: what jobctl-worker's main does, on the repository
// this process already maps. _exit, never exit: the caller's atexit
// handlers and buffers are not the worker's.
[[noreturn]] void become_worker(Repository& repository, const WorkerArguments& arguments,
                                const sigset_t& defaulted, bool keep_stdin) {
    ::setsid();
    prepare_worker_process(defaulted, keep_stdin);
    ::prctl(PR_SET_NAME, "jobctl-worker");  // what ps and pgrep show, as for the exec'd worker
    rearm_pause_from_environment_as("jobctl-worker");
    ::malloc_trim(0);
    int status = 1;
    try {
        status = run_process_job(repository, arguments);
    } catch (...) {
        // As jobctl-worker: liveness reports the job "worker lost".
    }
    ::_exit(status);
}

// Whether this process has only one thread: /proc/self/task holds one
// entry per thread besides "." and "..".
bool single_threaded() {
    struct stat status {};
    return ::stat("/proc/self/task", &status) == 0 && status.st_nlink == 3;
}

// Double fork: the worker reports its own pid, then execs.
pid_t launch_detached(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                      bool keep_stdin) {
    std::vector<char*> argv = exec_argv(arguments);
    const sigset_t defaulted = defaulted_signal_set();  // built before fork: no work in the child
    FileDescriptor report = fork_detached(
        [&](FileDescriptor report_fd) {
            pid_t self = ::getpid();
            [[maybe_unused]] ssize_t ignored = ::write(report_fd.get(), &self, sizeof self);
            // Closes report_fd; never returns.
            exec_worker(worker.c_str(), argv.data(), defaulted, keep_stdin);
        },
        "the worker");
    pid_t worker_pid = -1;
    if (!read_report(std::move(report), &worker_pid, sizeof worker_pid) || worker_pid <= 0)
        throw_system_error("cannot fork the worker", EAGAIN);
    return worker_pid;
}

// Spawns the worker as a direct child, in a session of its own: one vfork-like
// posix_spawn instead of two forks. Same setup as exec_worker.
pid_t spawn_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool keep_stdin) {
    std::vector<char*> argv = exec_argv(arguments);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    sigset_t worker_signals = worker_signal_set();
    posix_spawnattr_setsigmask(&attributes, &worker_signals);
    sigset_t defaulted = defaulted_signal_set();
    posix_spawnattr_setsigdefault(&attributes, &defaulted);
    posix_spawn_file_actions_t file_actions;
    posix_spawn_file_actions_init(&file_actions);
    for (int fd : {0, 1, 2})
        if (fd != 0 || !keep_stdin)
            posix_spawn_file_actions_addopen(&file_actions, fd, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_addclosefrom_np(&file_actions, 3);
    pid_t pid = -1;
    int error = ::posix_spawn(&pid, worker.c_str(), &file_actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&file_actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) throw_system_error("cannot start " + worker.string(), error);
    return pid;
}

}  // namespace

pid_t fork_worker(Repository& repository, const WorkerArguments& arguments, bool keep_stdin) {
    if (!single_threaded()) return 0;
    const sigset_t defaulted = defaulted_signal_set();
    std::fflush(nullptr);  // nothing of ours is written twice
    pid_t pid = ::fork();
    if (pid < 0) throw_system_error("cannot fork the worker", errno);
    if (pid == 0) become_worker(repository, arguments, defaulted, keep_stdin);
    return pid;
}

pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin) {
    return caller_exits_soon ? spawn_worker(worker, arguments, keep_stdin)
                             : launch_detached(worker, arguments, keep_stdin);
}

}  // namespace jobctl::detail
