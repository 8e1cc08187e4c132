// Starting a jobctl-worker: see worker_launch.hpp.

#include "process_jobs/worker_launch.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "system/command_spawn.hpp"
#include "system/detached_fork.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

// What the worker's process does between fork and exec: only
// async-signal-safe calls, for a caller may have threads.
struct WorkerExec {
    const char* worker;
    char* const* argv;
    sigset_t defaulted;           // built before fork: no work in the child
    bool keep_stdin;              // the worker (and so its command) reads our stdin
    int job_fd = -1;              // becomes descriptor 3, where the worker reads its job
    char* const* envp = nullptr;  // its environment; none: ours
};

// The start-up state of every worker: default signal actions, the worker's
// signals blocked, /dev/null for 1 and 2 (and 0 unless kept), `job_fd` (if
// any) as descriptor 3, and no other descriptor.
void prepare_worker_process(const WorkerExec& exec) {
    // Off 0-2 first (a caller without stdin has its socket there), without a
    // new descriptor when it is not there: a caller at its limit has none.
    int job_fd = exec.job_fd;
    if (job_fd >= 0 && job_fd < 3) job_fd = ::fcntl(job_fd, F_DUPFD_CLOEXEC, 3);
    if (exec.job_fd >= 0 && job_fd < 0)
        ::_exit(127);  // never told its job: its launcher's job is "worker lost"
    for (int signal = 1; signal < NSIG; ++signal)
        if (sigismember(&exec.defaulted, signal) == 1) ::signal(signal, SIG_DFL);
    // Blocked until the worker reads them from its signalfds: a stop or a
    // suspend that arrives while it is still loading is not lost.
    sigset_t worker_signals = worker_signal_set();
    sigprocmask(SIG_SETMASK, &worker_signals, nullptr);
    // Raw descriptors here: no destructor runs in this child. close_range
    // closes null_fd (and a report pipe) along with everything else.
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        if (!exec.keep_stdin) ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
    }
    if (job_fd == 3)
        ::fcntl(3, F_SETFD, 0);  // kept open across exec
    else if (job_fd > 3)
        ::dup2(job_fd, 3);                       // the copy at 3 is not close-on-exec
    ::close_range(job_fd >= 0 ? 4 : 3, ~0u, 0);  // the caller's descriptors are none of the worker's business
}

// In the worker's process, after the fork (or the double fork).
[[noreturn]] void exec_worker(const WorkerExec& exec) {
    prepare_worker_process(exec);
    ::execve(exec.worker, exec.argv, exec.envp != nullptr ? exec.envp : environ);
    ::_exit(127);
}

// Double fork: the worker reports its own pid, then execs.
pid_t launch_detached(const WorkerExec& exec) {
    FileDescriptor report = fork_detached(
        [&](FileDescriptor report_fd) {
            pid_t self = ::getpid();
            [[maybe_unused]] ssize_t ignored = ::write(report_fd.get(), &self, sizeof self);
            exec_worker(exec);  // closes report_fd; never returns
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
pid_t fork_worker(const WorkerExec& exec) {
    pid_t pid = ::fork();
    if (pid < 0) throw_system_error("cannot fork the worker", errno);
    if (pid == 0) {
        ::setsid();
        exec_worker(exec);
    }
    return pid;
}

pid_t launch(const WorkerExec& exec, bool caller_exits_soon) {
    return caller_exits_soon ? fork_worker(exec) : launch_detached(exec);
}

}  // namespace

pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin) {
    std::vector<char*> argv = exec_argv(arguments);
    return launch({worker.c_str(), argv.data(), signals_not_at_default(), keep_stdin}, caller_exits_soon);
}

WorkerAwaitingJob::WorkerAwaitingJob(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                                     bool caller_exits_soon, bool keep_stdin,
                                     std::vector<std::string>* environment)
    : direct_child_(caller_exits_soon) {
    std::vector<char*> argv = exec_argv(arguments);
    std::vector<char*> envp = environment != nullptr ? exec_argv(*environment) : std::vector<char*>{};
    int ends[2];
    // A socket, not a pipe: assign() sends with MSG_NOSIGNAL, so a worker
    // that died meanwhile costs the caller no SIGPIPE.
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
        throw_system_error("socketpair", errno);
    FileDescriptor job_read(ends[0]);
    job_.reset(ends[1]);
    ForkStamp stamp;
    pid_ = launch({worker.c_str(), argv.data(), signals_not_at_default(), keep_stdin, job_read.get(),
                   environment != nullptr ? envp.data() : nullptr},
                  caller_exits_soon);
    job_read.reset();
    auto identity = stamp.child(pid_);
    if (!identity) {
        job_.reset();
        reap();
        throw_system_error("the worker ended before it started", ECHILD);
    }
    identity_ = *identity;
}

WorkerAwaitingJob::~WorkerAwaitingJob() {
    if (!job_) return;
    job_.reset();  // it reads the end of its socket, and exits without running anything
    reap();
}

void WorkerAwaitingJob::reap() {
    if (!direct_child_) return;  // a double fork's worker is init's to reap
    while (::waitpid(pid_, nullptr, 0) < 0 && errno == EINTR) {
    }
}

void WorkerAwaitingJob::assign(JobId id) {
    // Failing (it died first), the job is its, and found "worker lost".
    [[maybe_unused]] ssize_t sent = ::send(job_.get(), &id, sizeof id, MSG_NOSIGNAL);
    job_.reset();
}

std::optional<JobId> read_assigned_job(int fd) {
    FileDescriptor socket(fd);
    JobId id = 0;
    ssize_t got;
    do got = ::recv(socket.get(), &id, sizeof id, MSG_WAITALL);
    while (got < 0 && errno == EINTR);
    if (got != static_cast<ssize_t>(sizeof id) || id == 0) return std::nullopt;
    return id;
}

}  // namespace jobctl::detail
