#include "table/finish_hook.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "jobctl/error.hpp"
#include "system/detached_fork.hpp"
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

void write_file(const std::filesystem::path& path, const std::string& text) {
    std::filesystem::path partial = path.string() + ".partial";
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out << text;
        if (!out.flush()) throw_system_error("cannot write " + partial.string(), errno);
    }
    if (::rename(partial.c_str(), path.c_str()) != 0)
        throw_system_error("cannot write " + path.string(), errno);
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
    write_file(folder / file, command);
}

std::optional<std::string> finish_hook_of(const JobTable& table, const JobInfo& job) {
    if (!job.has_finish_hook) return std::nullopt;
    // A foreach child's is its parent's, one for all of them.
    if (job.parent_id != 0) return read_file(table.job_directory(job.parent_id) / kChildFinishHookFile);
    return read_file(table.job_directory(job.id) / kFinishHookFile);
}

void start_finish_hook(const JobTable& table, const JobInfo& ended) {
    std::optional<std::string> command = finish_hook_of(table, ended);
    if (!command) return;
    std::filesystem::path folder = table.job_directory(ended.id);
    std::string log = (folder / kFinishHookLog).string();
    std::string result = (folder / kFinishHookResult).string();
    std::string cwd = ended.cwd.empty() ? "/" : ended.cwd;
    std::vector<std::string> arguments{"sh", "-c", *command};
    std::vector<std::string> environment = hook_environment(table, ended);
    std::vector<char*> argv = pointers_to(arguments);
    std::vector<char*> envp = pointers_to(environment);
    try {
        ensure_private_directory(folder);
        write_file(result, "running\n");
        // Only raw system calls in the children: the caller may have threads.
        fork_detached(
            [&](FileDescriptor) {
                int log_fd =
                    ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
                pid_t hook = ::fork();
                if (hook == 0) {
                    int null_fd = ::open("/dev/null", O_RDWR);
                    ::dup2(null_fd, STDIN_FILENO);
                    ::dup2(log_fd >= 0 ? log_fd : null_fd, STDOUT_FILENO);
                    ::dup2(log_fd >= 0 ? log_fd : null_fd, STDERR_FILENO);
                    ::close_range(3, ~0u, 0);
                    if (::chdir(cwd.c_str()) != 0 && ::chdir("/") != 0) ::_exit(126);
                    ::execve("/bin/sh", argv.data(), envp.data());
                    ::_exit(127);
                }
                int status = 0;
                while (hook > 0 && ::waitpid(hook, &status, 0) < 0 && errno == EINTR) {
                }
                char text[64];
                std::size_t length = hook > 0 ? result_text(status, text) : 0;
                if (hook < 0) {
                    static const char kNoFork[] = "could not be started (fork failed)\n";
                    length = sizeof kNoFork - 1;
                    std::memcpy(text, kNoFork, length);
                }
                int result_fd = ::open(result.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC | O_NOFOLLOW);
                if (result_fd >= 0) (void)!::write(result_fd, text, length);
                ::_exit(0);
            },
            "the finish hook");
    } catch (const Error&) {
        // A full disk or a process limit: the job's outcome stands, and the
        // result file (if any) says the hook never ran to its end.
    }
}

}  // namespace jobctl::detail
