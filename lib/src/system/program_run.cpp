#include "jobctl/program_run.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <limits>
#include <optional>

#include "jobctl/duration_text.hpp"
#include "jobctl/error.hpp"
#include "system/command_spawn.hpp"
#include "system/file_descriptor.hpp"
#include "system/pidfd.hpp"
#include "system/program_path.hpp"

namespace jobctl::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::filesystem::path program_path(const std::string& program, const std::string& not_found_hint) {
    const char* path = std::getenv("PATH");
    auto found = find_program(program, path != nullptr ? std::optional<std::string>(path) : std::nullopt);
    if (!found)
        throw Error(ErrorCode::program_not_found,
                    program + " not found on PATH" + (not_found_hint.empty() ? "" : ": " + not_found_hint));
    return *found;
}

// The input as a memfd rather than a pipe: the program reads it at its own
// pace, so nothing has to write while we read its output, and a program
// that exits without reading it (sbatch refusing an option) cannot raise
// SIGPIPE in us.
FileDescriptor input_file(const std::string& input) {
    FileDescriptor fd(::memfd_create("jobctl-program-input", MFD_CLOEXEC));
    if (!fd) throw_system_error("memfd_create", errno);
    for (std::size_t done = 0; done < input.size();) {
        ssize_t wrote = ::write(fd.get(), input.data() + done, input.size() - done);
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote < 0) throw_system_error("cannot write a program's input", errno);
        done += static_cast<std::size_t>(wrote);
    }
    if (::lseek(fd.get(), 0, SEEK_SET) != 0) throw_system_error("lseek", errno);
    return fd;
}

int exit_status_of(int status) {
    return WIFSIGNALED(status) ? 128 + WTERMSIG(status) : WEXITSTATUS(status);
}

// Our child until reaped: killed (with whatever it started in its process
// group) and reaped if we leave early, so an exception never leaves a
// zombie or a client still retrying behind.
class ChildProcess {
public:
    explicit ChildProcess(pid_t pid) : pid_(pid) {}
    ChildProcess(const ChildProcess&) = delete;
    ChildProcess& operator=(const ChildProcess&) = delete;
    ~ChildProcess() {
        if (pid_ < 0) return;
        kill();
        reap();
    }

    pid_t pid() const { return pid_; }
    // It is the leader of its own group (spawn_command) and not reaped yet,
    // so the group id cannot have been reused.
    void kill() { ::killpg(pid_, SIGKILL); }
    // Its exit status; none if someone else reaped it (a process that
    // ignores SIGCHLD has its children reaped by the kernel).
    std::optional<int> reap() {
        int status = 0;
        pid_t got;
        while ((got = ::waitpid(pid_, &status, 0)) < 0 && errno == EINTR) {
        }
        pid_ = -1;
        if (got < 0) return std::nullopt;
        return exit_status_of(status);
    }

private:
    pid_t pid_;
};

// Appends what `fd` has ready to `text`; empties `fd` at the end of the output.
void read_available(FileDescriptor& fd, std::string& text) {
    char buffer[16384];
    ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
    if (got > 0) {
        text.append(buffer, static_cast<std::size_t>(got));
    } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
        fd.reset();
    }
}

// For poll(): 0 once the deadline has passed, and at most what an int holds.
int milliseconds_until(SteadyClock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, std::numeric_limits<int>::max()));
}

// Reads both pipes to their end while the program runs (poll, so neither
// can fill up and block it). False when the deadline came first.
bool collect_output(SpawnedCommand& command, const ChildProcess& child, SteadyClock::time_point deadline,
                    ProgramResult& result) {
    FileDescriptor exited = open_pidfd(child.pid());  // readable once it has exited
    // Without a pidfd (an old kernel), the end of both pipes stands for the exit.
    bool running = static_cast<bool>(exited);
    while (command.out_fd || command.err_fd || running) {
        pollfd fds[] = {
            {command.out_fd.get(), POLLIN, 0}, {command.err_fd.get(), POLLIN, 0}, {exited.get(), POLLIN, 0}};
        if (!running) fds[2].fd = -1;
        int wait_ms = milliseconds_until(deadline);
        if (wait_ms == 0) return false;
        int ready = ::poll(fds, 3, wait_ms);
        if (ready < 0 && errno != EINTR) throw_system_error("poll", errno);
        if (fds[0].revents != 0) read_available(command.out_fd, result.out);
        if (fds[1].revents != 0) read_available(command.err_fd, result.err);
        if (fds[2].revents != 0) running = false;
    }
    return true;
}

}  // namespace

}  // namespace jobctl::detail

namespace jobctl {

ProgramResult run_program(const std::vector<std::string>& argv, const ProgramRunOptions& options) {
    using namespace detail;
    if (argv.empty()) throw Error(ErrorCode::invalid_argument, "no program to run");
    CommandSetup setup;
    setup.program = program_path(argv[0], options.not_found_hint);
    FileDescriptor input;
    if (!options.input.empty()) {
        input = input_file(options.input);
        setup.stdin_fd = input.get();
    }
    auto deadline = SteadyClock::now() + options.deadline;
    SpawnedCommand command = spawn_command(argv, setup);
    if (!command.failure.empty()) throw Error(ErrorCode::program_not_found, argv[0] + ": " + command.failure);
    ChildProcess child(command.pid);
    input.reset();
    ProgramResult result{argv[0], 0, {}, {}};
    if (!collect_output(command, child, deadline, result)) {
        child.kill();
        child.reap();
        throw Error(ErrorCode::timeout, argv[0] + ": no answer within " + format_duration(options.deadline) +
                                            ", so it was stopped");
    }
    std::optional<int> exit_status = child.reap();
    if (!exit_status) throw_system_error("cannot read the exit status of " + argv[0], errno);
    result.exit_status = *exit_status;
    return result;
}

}  // namespace jobctl
