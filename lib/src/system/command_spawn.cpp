#include "system/command_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>

#include "jobctl/error.hpp"
#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"
#include "system/vfork_into_cgroup.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

constexpr int kPipeSize = 1 << 20;

Pipe make_pipe(bool large) {
    Pipe pipe = open_pipe();
    if (large) ::fcntl(pipe.read_end.get(), F_SETPIPE_SZ, kPipeSize);  // fewer, larger reads; best effort
    return pipe;
}

// What the child needs, prepared before vfork: it may only make system
// calls (it shares our memory, and another thread may hold malloc's lock).
struct ChildPlan {
    const char* program;
    char* const* argv;
    char* const* envp;
    char* const* shell_argv;  // /bin/sh PROGRAM ARGS...: for a file exec refuses (ENOEXEC), as execvp does
    const char* cwd;          // nullptr: ours
    int stdin_fd;             // -1: /dev/null
    int out_fd, err_fd;       // the pipes' write ends
    int cgroup_procs_fd;      // -1: stays in ours
    int report_fd;            // close-on-exec: gets a ChildFailure if the command cannot start
    pid_t parent;             // to close the race with a parent that died already
    sigset_t handled;         // signals with a handler or ignored that must start defaulted
};

// What the child reports through report_fd: which step failed, and errno.
struct ChildFailure {
    enum Step : int { setup, enter, contain, exec } step = setup;
    int error = 0;
};

// In the child, after vfork: its own process group, killed when its parent
// (the worker, or the foreach host's pool thread) dies, default signal
// handling, stdin from the plan's file or /dev/null, stdout and stderr into
// the pipes, nothing else; then its folder, then exec.
[[noreturn]] void become_command(const ChildPlan& plan) {
    ChildFailure failure;
    if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != plan.parent) ::_exit(127);
    ::setpgid(0, 0);
    if (plan.cgroup_procs_fd >= 0 && ::write(plan.cgroup_procs_fd, "0", 1) != 1) {
        failure = {ChildFailure::contain, errno};
        while (::write(plan.report_fd, &failure, sizeof failure) < 0 && errno == EINTR) {
        }
        ::_exit(127);
    }
    struct sigaction defaulted {};
    defaulted.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal)
        if (sigismember(&plan.handled, signal) == 1) ::sigaction(signal, &defaulted, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    int in_fd = plan.stdin_fd >= 0 ? plan.stdin_fd : ::open("/dev/null", O_RDONLY);
    if (in_fd < 0 || ::dup2(in_fd, 0) < 0 || ::dup2(plan.out_fd, 1) < 0 || ::dup2(plan.err_fd, 2) < 0) {
        failure.error = errno;
    } else if (plan.cwd != nullptr && ::chdir(plan.cwd) != 0) {
        failure = {ChildFailure::enter, errno};
    } else {
        // A thread-job host's own descriptors (a CI runner's, say) are none
        // of the command's business; the report pipe closes at exec.
        ::close_range(3, plan.report_fd - 1, 0);
        ::close_range(plan.report_fd + 1, ~0U, 0);
        ::execve(plan.program, plan.argv, plan.envp);
        failure = {ChildFailure::exec, errno};
        if (errno == ENOEXEC) ::execve(plan.shell_argv[0], plan.shell_argv, plan.envp);
    }
    while (::write(plan.report_fd, &failure, sizeof failure) < 0 && errno == EINTR) {
    }
    ::_exit(127);
}

// become_command for vfork_into_cgroup, which passes the plan untyped.
void become_command_of(void* plan) {
    become_command(*static_cast<const ChildPlan*>(plan));
}

std::string failure_text(const ChildFailure& failure, const CommandSetup& setup) {
    if (failure.step == ChildFailure::enter)
        return "cannot enter " + setup.cwd + ": " + std::strerror(failure.error);
    if (failure.step == ChildFailure::contain)
        return std::string("cannot enter the job's cgroup: ") + std::strerror(failure.error);
    return std::string("exec failed: ") + std::strerror(failure.error);
}

// clone3's arguments (linux/sched.h's struct clone_args, a fixed ABI;
// that header's macros clash with <sched.h>'s).
struct CloneArguments {
    std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
constexpr std::uint64_t kCloneIntoCgroupFlag = 0x200000000ULL;

// ThreadSanitizer keeps its own state whole across fork() (it intercepts
// it) but not across a raw clone3 in a threaded process: under it, the
// command moves itself into its cgroup instead.
#if defined(__SANITIZE_THREAD__)
constexpr bool kCloneIntoCgroup = false;
#else
constexpr bool kCloneIntoCgroup = true;
#endif

// A fork whose child starts in the cgroup `cgroup_fd` (a folder), never in
// ours: unlike moving a process in (cgroup.procs), which takes the kernel
// an RCU grace period (10-20 ms on an idle machine), it costs what a fork
// does. A fork, not a vfork: the child returns from the system call on a
// stack of its own. -1 (errno set) if it cannot be done here.
pid_t fork_into_cgroup(int cgroup_fd) {
    CloneArguments arguments{};
    arguments.flags = kCloneIntoCgroupFlag;
    arguments.exit_signal = SIGCHLD;
    arguments.cgroup = static_cast<std::uint64_t>(cgroup_fd);
    return static_cast<pid_t>(::syscall(SYS_clone3, &arguments, sizeof arguments));
}

}  // namespace

std::vector<char*> exec_argv(const std::vector<std::string>& argv) {
    std::vector<char*> pointers;
    for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

SpawnedCommand spawn_command(const std::vector<std::string>& argv, const CommandSetup& setup) {
    std::vector<char*> raw = exec_argv(argv);
    std::vector<char*> envp = setup.environment ? exec_argv(*setup.environment) : std::vector<char*>{};
    const std::string& program = setup.program.empty() ? argv[0] : setup.program;
    std::vector<char*> shell_argv{const_cast<char*>("/bin/sh"), const_cast<char*>(program.c_str())};
    shell_argv.insert(shell_argv.end(), raw.begin() + 1, raw.end());
    Pipe out = make_pipe(true);
    Pipe err = make_pipe(false);
    Pipe report = open_pipe();
    ChildPlan plan{program.c_str(),
                   raw.data(),
                   setup.environment ? envp.data() : environ,
                   shell_argv.data(),
                   setup.cwd.empty() ? nullptr : setup.cwd.c_str(),
                   setup.stdin_fd,
                   out.write_end.get(),
                   err.write_end.get(),
                   setup.cgroup_procs_fd,
                   report.write_end.get(),
                   ::getpid(),
                   signals_not_at_default()};
    // No handler of ours may run in the child while it shares our memory:
    // every signal is blocked in this thread until it has exec'd.
    sigset_t all, previous;
    sigfillset(&all);
    ::pthread_sigmask(SIG_SETMASK, &all, &previous);
    pid_t pid = -1;
    if (setup.cgroup_fd >= 0 && kCloneIntoCgroup) {
        ChildPlan inside = plan;
        inside.cgroup_procs_fd = -1;  // inside from the start
        pid = vfork_into_cgroup(setup.cgroup_fd, become_command_of, &inside);
        if (pid < 0) pid = fork_into_cgroup(setup.cgroup_fd);
        if (pid == 0) become_command(inside);
    }
    // No clone3 (before Linux 5.7), or it was refused: the command moves
    // itself, between vfork and exec.
    if (pid < 0) pid = ::vfork();
    if (pid == 0) become_command(plan);
    int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous, nullptr);
    // Only the command (and what it starts) may hold the write ends: the
    // pipes then end when it and its children are done with them.
    out.write_end.reset();
    err.write_end.reset();
    report.write_end.reset();
    if (pid < 0) throw_system_error("cannot start the command", fork_error);
    ChildFailure failure;
    ssize_t got;
    do got = ::read(report.read_end.get(), &failure, sizeof failure);
    while (got < 0 && errno == EINTR);
    if (got == sizeof failure) {  // it never became the command: reap it here
        while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
        }
        return {-1, FileDescriptor(), FileDescriptor(), failure_text(failure, setup)};
    }
    return {pid, std::move(out.read_end), std::move(err.read_end), {}};
}

}  // namespace jobctl::detail
