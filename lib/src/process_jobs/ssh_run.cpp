#include "process_jobs/ssh_run.hpp"

#include <sys/socket.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "ssh/remote_command.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh/ssh_host.hpp"

namespace jobctl::detail {

void check_remote_run(const RunOptions& run, const std::string& program) {
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
                       const std::vector<std::string>& command) {
    SshHost host = parse_ssh_host(run.ssh_host);
    SshRun prepared;
    std::filesystem::path folder = control_folder_of(repository);
    prepared.argv =
        ssh_job_argv(host, folder, run, command, kDefaultStopGrace, shared_connection_answers(host, folder));
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

std::string connection_lost_reason(const std::string& host) {
    return "connection to " + host + " lost (ssh exited with code 255; or the command did)";
}

}  // namespace jobctl::detail
