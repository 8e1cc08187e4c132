// Starting a process job: register it, then double-fork a detached worker.

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "jobctl/error.hpp"
#include "jobctl/process_job.hpp"
#include "process_jobs/command_text.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/time_limit.hpp"
#include "process_jobs/worker_arguments.hpp"
#include "system/command_spawn.hpp"
#include "system/detached_fork.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"

extern char** environ;

namespace jobctl {
namespace {

bool is_executable_file(const std::filesystem::path& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

// In the detached grandchild: only async-signal-safe calls until exec.
[[noreturn]] void exec_worker(const char* worker, char* const* argv, const sigset_t& defaulted) {
    for (int signal = 1; signal < NSIG; ++signal)
        if (sigismember(&defaulted, signal) == 1) ::signal(signal, SIG_DFL);
    // Blocked until the worker reads them from its signalfds: a stop or a
    // suspend that arrives while it is still loading is not lost.
    sigset_t worker_signals = detail::worker_signal_set();
    sigprocmask(SIG_BLOCK, &worker_signals, nullptr);
    // Raw descriptors here: no destructor runs in this child. close_range
    // closes null_fd (and the report pipe) along with everything else.
    int null_fd = ::open("/dev/null", O_RDWR);
    if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::dup2(null_fd, 1);
        ::dup2(null_fd, 2);
    }
    ::close_range(3, ~0u, 0);  // the caller's descriptors are none of the worker's business
    ::execv(worker, argv);
    ::_exit(127);
}

// Double fork: the worker reports its own pid, then execs.
pid_t launch_detached(const std::filesystem::path& worker, std::vector<std::string>& arguments) {
    std::vector<char*> argv = detail::exec_argv(arguments);
    const sigset_t defaulted = detail::defaulted_signal_set();  // built before fork: no work in the child
    detail::FileDescriptor report = detail::fork_detached(
        [&](detail::FileDescriptor report_fd) {
            pid_t self = ::getpid();
            [[maybe_unused]] ssize_t ignored = ::write(report_fd.get(), &self, sizeof self);
            exec_worker(worker.c_str(), argv.data(), defaulted);  // closes report_fd; never returns
        },
        "the worker");
    pid_t worker_pid = -1;
    if (!detail::read_report(std::move(report), &worker_pid, sizeof worker_pid) || worker_pid <= 0)
        throw_system_error("cannot fork the worker", EAGAIN);
    return worker_pid;
}

// Spawns the worker as a direct child, in a session of its own: one vfork-like
// posix_spawn instead of two forks. Same setup as exec_worker.
pid_t spawn_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments) {
    std::vector<char*> argv = detail::exec_argv(arguments);
    posix_spawnattr_t attributes;
    posix_spawnattr_init(&attributes);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    sigset_t worker_signals = detail::worker_signal_set();
    posix_spawnattr_setsigmask(&attributes, &worker_signals);
    sigset_t defaulted = detail::defaulted_signal_set();
    posix_spawnattr_setsigdefault(&attributes, &defaulted);
    posix_spawn_file_actions_t file_actions;
    posix_spawn_file_actions_init(&file_actions);
    for (int fd : {0, 1, 2}) posix_spawn_file_actions_addopen(&file_actions, fd, "/dev/null", O_RDWR, 0);
    posix_spawn_file_actions_addclosefrom_np(&file_actions, 3);
    pid_t pid = -1;
    int error = ::posix_spawn(&pid, worker.c_str(), &file_actions, &attributes, argv.data(), environ);
    posix_spawn_file_actions_destroy(&file_actions);
    posix_spawnattr_destroy(&attributes);
    if (error != 0) throw_system_error("cannot start " + worker.string(), error);
    return pid;
}

// The launcher answers for the job until then; now its worker does.
void hand_over_to_worker(Repository& repository, JobId id, pid_t worker_pid) {
    auto identity = ProcessIdentity::of(worker_pid).value_or(ProcessIdentity{worker_pid, 0});
    int launcher = ::getpid();
    detail::table_of(repository).update(id, [&](detail::JobSlot& slot) {
        if (slot.owner_claimed || slot.owner_pid != launcher) return false;
        slot.owner_pid = identity.pid;
        slot.owner_start_time = identity.start_time;
        return true;
    });
}

}  // namespace

std::optional<std::filesystem::path> detail::find_program(const std::string& program) {
    if (program.empty()) return std::nullopt;
    if (program.find('/') != std::string::npos) {
        if (is_executable_file(program)) return std::filesystem::path(program);
        return std::nullopt;
    }
    const char* path = std::getenv("PATH");
    std::string directories = path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin";
    std::size_t start = 0;
    for (;;) {
        std::size_t end = directories.find(':', start);
        std::string directory =
            directories.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto candidate = std::filesystem::path(directory.empty() ? "." : directory) / program;
        if (is_executable_file(candidate)) return candidate;
        if (end == std::string::npos) return std::nullopt;
        start = end + 1;
    }
}

void detail::require_program(const std::string& program) {
    if (!find_program(program))
        throw Error(ErrorCode::program_not_found,
                    "cannot run '" + program + "': no such executable file" +
                        (program.find('/') == std::string::npos ? " on PATH" : ""));
}

std::filesystem::path detail::find_worker() {
    if (const char* configured = std::getenv("JOBCTL_WORKER"); configured != nullptr && *configured != '\0')
        return configured;
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) {
        auto beside = self.parent_path() / "jobctl-worker";
        if (is_executable_file(beside)) return beside;
    }
    return JOBCTL_INSTALLED_WORKER;
}

JobInfo start_process_job(Repository& repository, const ProcessJobSpec& spec,
                          const std::filesystem::path& worker_path) {
    if (spec.argv.empty() || spec.argv[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (!spec.name.empty()) detail::check_job_name(spec.name);
    detail::check_time_limit(spec.run.timeout);
    detail::require_program(spec.argv[0]);
    std::filesystem::path worker = worker_path.empty() ? detail::find_worker() : worker_path;
    if (!is_executable_file(worker))
        throw Error(ErrorCode::program_not_found,
                    "cannot find jobctl-worker at " + worker.string() + " (set JOBCTL_WORKER)");

    ProcessIdentity self = ProcessIdentity::self();
    detail::NewJob new_job{spec.name, JobType::process, detail::command_text(spec.argv),
                           0,         self.pid,         self.start_time};
    std::error_code no_cwd;      // a caller whose folder was deleted: nothing to record
    new_job.can_suspend = true;  // the worker acts on suspend requests
    new_job.cwd = (spec.run.cwd.empty() ? std::filesystem::current_path(no_cwd) : spec.run.cwd).string();
    if (spec.run.timeout) new_job.timeout_ms = static_cast<std::uint64_t>(spec.run.timeout->count());
    new_job.after = spec.start_when.after;
    new_job.after_any_outcome = spec.start_when.after_any_outcome;
    new_job.queue = spec.start_when.queue;
    JobInfo job = detail::table_of(repository).add(new_job);
    std::vector<std::string> arguments = detail::to_worker_argv(
        worker.string(), {repository.name(), job.id, spec.run, spec.start_when, spec.argv});
    pid_t worker_pid;
    try {
        worker_pid =
            spec.caller_exits_soon ? spawn_worker(worker, arguments) : launch_detached(worker, arguments);
    } catch (...) {
        detail::table_of(repository).erase(job.id);  // nothing changed after all
        throw;
    }
    hand_over_to_worker(repository, job.id, worker_pid);
    return repository.find(job.id).value_or(job);
}

}  // namespace jobctl
