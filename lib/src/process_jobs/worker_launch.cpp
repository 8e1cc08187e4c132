// Starting a jobctl-worker: see worker_launch.hpp.

#include "process_jobs/worker_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "system/command_spawn.hpp"
#include "system/detached_fork.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"

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

// In the worker's process, after the fork (or the double fork).
[[noreturn]] void exec_worker(const char* worker, char* const* argv, const sigset_t& defaulted,
                              bool keep_stdin) {
    prepare_worker_process(defaulted, keep_stdin);
    ::execv(worker, argv);
    ::_exit(127);
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

// The worker as our direct child, in a session of its own. A plain fork,
// the child execing: posix_spawn would make us wait until the exec is
// done, most of a submit's time, while a forked child execs as we print
// and exit. (Forking in a process with threads is safe here: the child
// makes only async-signal-safe calls before it execs.)
pid_t fork_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments, bool keep_stdin) {
    std::vector<char*> argv = exec_argv(arguments);
    const sigset_t defaulted = defaulted_signal_set();  // built before fork: no work in the child
    pid_t pid = ::fork();
    if (pid < 0) throw_system_error("cannot fork the worker", errno);
    if (pid == 0) {
        ::setsid();
        exec_worker(worker.c_str(), argv.data(), defaulted, keep_stdin);
    }
    return pid;
}

}  // namespace

pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin) {
    return caller_exits_soon ? fork_worker(worker, arguments, keep_stdin)
                             : launch_detached(worker, arguments, keep_stdin);
}

}  // namespace jobctl::detail
