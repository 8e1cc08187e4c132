#include "table/finish_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "jobctl/error.hpp"
#include "system/detached_fork.hpp"
#include "system/private_file.hpp"
#include "table/job_table.hpp"
#include "table/repository_location.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

// The hook's own variables, and the repository, replace any the ender had.
bool is_hook_variable(std::string_view entry) {
    return entry.starts_with("JOBCTL_JOB_") || entry.starts_with("JOBCTL_REPOSITORY=");
}

std::string signal_text(int signal) {
    const char* abbreviation = ::sigabbrev_np(signal);
    return abbreviation != nullptr ? std::string("SIG") + abbreviation : std::to_string(signal);
}

std::vector<std::string> hook_environment(const JobTable& table, const JobInfo& job) {
    std::vector<std::string> environment;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
        if (!is_hook_variable(*entry)) environment.emplace_back(*entry);
    const RepositoryLocation& location = table.location();
    bool by_path = location.name.find('/') != std::string::npos;
    environment.push_back("JOBCTL_REPOSITORY=" + (by_path ? location.table.string() : location.name));
    environment.push_back("JOBCTL_JOB_ID=" + std::to_string(job.id));
    if (job.parent_id != 0) environment.push_back("JOBCTL_JOB_PARENT_ID=" + std::to_string(job.parent_id));
    environment.push_back("JOBCTL_JOB_NAME=" + job.name);
    environment.push_back("JOBCTL_JOB_STATE=" + std::string(to_string(job.state)));
    environment.push_back("JOBCTL_JOB_EXIT_CODE=" + (job.exit_code ? std::to_string(*job.exit_code) : ""));
    environment.push_back("JOBCTL_JOB_SIGNAL=" + (job.term_signal ? signal_text(*job.term_signal) : ""));
    environment.push_back("JOBCTL_JOB_REASON=" + job.reason);
    return environment;
}

std::vector<char*> pointers_to(std::vector<std::string>& strings) {
    std::vector<char*> pointers;
    for (std::string& text : strings) pointers.push_back(text.data());
    pointers.push_back(nullptr);
    return pointers;
}

// "exited with code 3", "killed by signal 9": written without the heap
// (between fork and exit only async-signal-safe calls are allowed).
std::size_t result_text(int status, char* text) {
    const char* words = WIFEXITED(status) ? "exited with code " : "killed by signal ";
    int number = WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status);
    std::size_t length = std::strlen(words);
    std::memcpy(text, words, length);
    char digits[12];
    int count = 0;
    do digits[count++] = static_cast<char>('0' + number % 10);
    while ((number /= 10) != 0);
    while (count > 0) text[length++] = digits[--count];
    text[length++] = '\n';
    return length;
}

std::optional<std::string> read_file(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

void check_finish_hook(const std::string& command, const char* option) {
    if (command.find_first_not_of(" \t\n") == std::string::npos)
        throw Error(ErrorCode::invalid_argument, std::string(option) + " needs a command");
    if (command.find('\0') != std::string::npos || command.size() > 64 * 1024)
        throw Error(ErrorCode::invalid_argument,
                    std::string(option) + ": a command of at most 64K, without NUL bytes");
}

void keep_finish_hook(const JobTable& table, JobId id, const char* file, const std::string& command) {
    std::filesystem::path folder = table.job_directory(id);
    ensure_private_directory(folder.parent_path());
    ensure_private_directory(folder);
    write_private_file(folder / file, command);
}

std::optional<std::string> finish_hook_of(const JobTable& table, const JobInfo& job) {
    if (!job.has_finish_hook) return std::nullopt;
    // A foreach child's is its parent's, one for all of them.
    if (job.parent_id != 0) return read_file(table.job_directory(job.parent_id) / kChildFinishHookFile);
    return read_file(table.job_directory(job.id) / kFinishHookFile);
}

namespace {

// Only raw system calls from here on (the caller may have threads): these
// run in the forked children.

// "12345" into `text`; returns its length.
std::size_t number_text(long number, char* text) {
    char digits[24];
    std::size_t count = 0;
    do digits[count++] = static_cast<char>('0' + number % 10);
    while ((number /= 10) != 0);
    for (std::size_t i = 0; i < count; ++i) text[i] = digits[count - 1 - i];
    return count;
}

void write_result(const char* path, const char* words, std::size_t length) {
    int fd = ::open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return;
    (void)!::write(fd, words, length);
    ::close(fd);
}

// The hook itself: a fresh signal state (the runner blocks and ignores
// some), stdin /dev/null, its output into `out`, in its job's working
// folder, else its job's folder.
[[noreturn]] void exec_hook(int out, const char* cwd, const char* folder, char* const* argv,
                            char* const* envp) {
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    for (int signal = 1; signal < NSIG; ++signal) ::sigaction(signal, &default_action, nullptr);
    int null_fd = ::open("/dev/null", O_RDWR);
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(out >= 0 ? out : null_fd, STDOUT_FILENO);
    ::dup2(out >= 0 ? out : null_fd, STDERR_FILENO);
    ::close_range(3, ~0u, 0);
    if (::chdir(cwd) != 0 && ::chdir(folder) != 0 && ::chdir("/") != 0) ::_exit(126);
    ::execve("/bin/sh", argv, envp);
    ::_exit(127);
}

// Copies the hook's output into its log up to kHookLogLimit, then drains
// the rest, until every writer has let go of it.
void copy_output(int from, int log_fd) {
    char buffer[16384];
    std::uint64_t copied = 0;
    for (;;) {
        ssize_t got = ::read(from, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        if (log_fd < 0 || copied >= kHookLogLimit) continue;
        auto length = static_cast<std::size_t>(
            std::min<std::uint64_t>(static_cast<std::uint64_t>(got), kHookLogLimit - copied));
        (void)!::write(log_fd, buffer, length);
        copied += length;
        if (copied == kHookLogLimit) {
            static const char kCut[] = "\njobctl: the on-finish hook's output was cut at 1M\n";
            (void)!::write(log_fd, kCut, sizeof kCut - 1);
        }
    }
}

}  // namespace

void start_finish_hook(const JobTable& table, const JobInfo& ended) {
    std::optional<std::string> command = finish_hook_of(table, ended);
    if (!command) return;
    std::filesystem::path folder = table.job_directory(ended.id);
    std::string folder_text = folder.string();
    std::string log = (folder / kFinishHookLog).string();
    std::string result = (folder / kFinishHookResult).string();
    std::string cwd = ended.cwd.empty() ? folder_text : ended.cwd;
    std::vector<std::string> arguments{"sh", "-c", *command};
    std::vector<std::string> environment = hook_environment(table, ended);
    std::vector<char*> argv = pointers_to(arguments);
    std::vector<char*> envp = pointers_to(environment);
    try {
        ensure_private_directory(folder);
    } catch (const Error&) {  // a full disk: the hook runs all the same, its log and result nowhere
    }
    try {
        fork_detached(
            [&](FileDescriptor) {
                ::prctl(PR_SET_NAME, "jobctl-hook");
                char text[64] = "running ";
                std::size_t length = 8 + number_text(::getpid(), text + 8);
                text[length++] = '\n';
                write_result(result.c_str(), text, length);
                int log_fd =
                    ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
                int output[2];
                bool piped = ::pipe2(output, O_CLOEXEC) == 0;
                pid_t hook = ::fork();
                if (hook == 0)
                    exec_hook(piped ? output[1] : log_fd, cwd.c_str(), folder_text.c_str(), argv.data(),
                              envp.data());
                if (piped) {
                    ::close(output[1]);
                    if (hook > 0) copy_output(output[0], log_fd);
                }
                int status = 0;
                while (hook > 0 && ::waitpid(hook, &status, 0) < 0 && errno == EINTR) {
                }
                length = hook > 0 ? result_text(status, text) : 0;
                if (hook < 0) {
                    static const char kNoFork[] = "could not be started (fork failed)\n";
                    length = sizeof kNoFork - 1;
                    std::memcpy(text, kNoFork, length);
                }
                write_result(result.c_str(), text, length);
                ::_exit(0);
            },
            "the finish hook");
    } catch (const Error&) {
        // No process could be made: the job's outcome stands, and no result
        // is recorded for the hook.
    }
}

}  // namespace jobctl::detail
