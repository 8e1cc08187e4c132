#include "process_jobs/ssh_run.hpp"

#include <sys/random.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "ssh/remote_command.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh/ssh_host.hpp"
#include "system/private_file.hpp"

namespace jobctl::detail {

bool wrapper_forced() {
    const char* mode = std::getenv(kRemoteModeVariable);
    if (mode == nullptr || *mode == '\0' || std::string_view(mode) == "auto") return false;
    if (std::string_view(mode) == "wrapper") return true;
    throw Error(ErrorCode::invalid_argument,
                std::string(kRemoteModeVariable) + " must be 'auto' or 'wrapper', not '" + mode + "'");
}

void check_remote_run(const RunOptions& run, const std::string& program) {
    (void)wrapper_forced();  // a bad value is refused before the start
    if (program.find('=') != std::string::npos)
        throw Error(
            ErrorCode::invalid_argument,
            "a program whose name holds '=' cannot run over ssh (env would take it for a variable): " +
                program);
    if (!run.stdin_file.empty())
        throw Error(ErrorCode::invalid_argument,
                    "--stdin does not apply to --on ssh (the command's stdin there is /dev/null)");
    if (run.memory_limit_bytes || run.cpu_limit || run.process_limit)
        throw Error(ErrorCode::invalid_argument,
                    "--mem, --cpus and --max-procs limit a job on this machine, not --on ssh");
}

SshRun prepare_ssh_run(const RepositoryLocation& repository, const RunOptions& run,
                       const std::vector<std::string>& command, const std::string& request) {
    SshHost host = parse_ssh_host(run.ssh_host);
    SshRun prepared;
    std::filesystem::path folder = control_folder_of(repository);
    prepared.argv = ssh_job_argv(host, folder, run, command, kDefaultStopGrace, request,
                                 shared_connection_answers(host, folder));
    // A socket pair, not a pipe: a stop sent after ssh died gets EPIPE
    // (MSG_NOSIGNAL), never a SIGPIPE that would end the runner.
    int ends[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, ends) != 0)
        throw_system_error("cannot make the control line of an ssh job", errno);
    prepared.wrapper_stdin.reset(ends[0]);
    prepared.control.reset(ends[1]);
    ::shutdown(ends[0], SHUT_WR);  // the wrapper only reads it
    return prepared;
}

void send_remote_stop(FileDescriptor& control, std::chrono::milliseconds grace) {
    if (!control) return;
    // The line stays open: its end would tell the wrapper to kill at once.
    std::string line = stop_line(grace);
    if (::send(control.get(), line.data(), line.size(), MSG_NOSIGNAL) < 0) control.reset();
}

void send_remote_kill(FileDescriptor& control) {
    if (!control) return;
    (void)::send(control.get(), "kill\n", 5, MSG_NOSIGNAL);
    control.reset();
}

void send_remote_line(FileDescriptor& control, std::string_view line) {
    if (control && ::send(control.get(), line.data(), line.size(), MSG_NOSIGNAL) < 0) control.reset();
}

std::string remote_job_name(JobId local) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0 || host[0] == '\0') std::strcpy(host, "host");
    std::string name = "from-";
    for (char c : std::string_view(host))  // a job name takes no wildcards or spaces
        name.push_back(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' ? c : '-');
    std::uint64_t nonce = 0;
    if (::getrandom(&nonce, sizeof nonce, 0) != static_cast<ssize_t>(sizeof nonce))
        nonce = static_cast<std::uint64_t>(::getpid()) * 2654435761u ^
                static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    char suffix[32];
    std::snprintf(suffix, sizeof suffix, "-%u-%08llx", local,
                  static_cast<unsigned long long>(nonce & 0xffffffffu));
    // A job name takes Repository::kMaxNameLength bytes: the host's name is cut.
    return name.substr(0, Repository::kMaxNameLength - std::strlen(suffix)) + suffix;
}

void note_remote_side(const std::filesystem::path& job_folder, const RemoteNote& note) {
    std::string text = note.side.mode + "\n" + std::to_string(note.side.job) + "\n" +
                       std::to_string(note.log_offset) + "\n" + note.name + "\n";
    try {
        write_private_file(job_folder / kRemoteNoteFile, text);
    } catch (const Error&) {  // get --json goes without, and a worker lost is not taken over
    }
}

std::optional<RemoteNote> noted_remote_side(const std::filesystem::path& job_folder) {
    std::ifstream in(job_folder / kRemoteNoteFile);
    RemoteNote note;
    if (!(in >> note.side.mode >> note.side.job >> note.log_offset)) return std::nullopt;
    in >> note.name;  // none: the wrapper
    return note;
}

std::string connection_lost_reason(const std::string& host) {
    return "connection to " + host + " lost (ssh exited with code 255; or the command did)";
}

}  // namespace jobctl::detail
