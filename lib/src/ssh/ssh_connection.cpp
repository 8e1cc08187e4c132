#include "ssh/ssh_connection.hpp"

#include <string_view>

#include "jobctl/error.hpp"
#include "jobctl/program_run.hpp"
#include "ssh/master_check.hpp"
#include "ssh/remote_command.hpp"
#include "text/display_text.hpp"

namespace jobctl::detail {
namespace {

constexpr std::chrono::milliseconds kConnectDeadline{30'000};
constexpr std::chrono::milliseconds kCheckDeadline{5'000};

ProgramResult run_ssh(const SshHost& host, const std::filesystem::path& control_folder,
                      std::vector<std::string> leading, std::vector<std::string> trailing,
                      std::chrono::milliseconds deadline = kConnectDeadline) {
    std::vector<std::string> argv{"ssh"};
    argv.insert(argv.end(), leading.begin(), leading.end());
    std::vector<std::string> options = ssh_options(host, control_folder);
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", host.destination});
    argv.insert(argv.end(), trailing.begin(), trailing.end());
    ProgramRunOptions run{.deadline = deadline, .not_found_hint = "is openssh-client installed?"};
    try {
        return run_program(argv, run);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::timeout) throw;
        throw Error(ErrorCode::cluster,
                    "cannot run commands on " + host.text + " over ssh: no answer within " +
                        std::to_string(deadline.count() / 1000) +
                        "s (a shared connection that hangs? ssh -O exit " + host.text + ")");
    }
}

// ssh's last word on stderr, on one line: why it could not connect.
std::string last_line(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
        text.remove_suffix(1);
    std::size_t start = text.rfind('\n');
    std::string_view line = start == std::string_view::npos ? text : text.substr(start + 1);
    while (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    return to_valid_utf8(std::string(line));
}

// Whether the master answers: asked on its socket, else (an answer we do
// not know) through `ssh -O check`. Errors: cluster (it does not answer in
// time: stopped, hung).
bool master_answers(const SshHost& host, const std::filesystem::path& control_folder) {
    switch (ask_master(control_socket(host, control_folder), kCheckDeadline)) {
        case MasterAnswer::alive:
            return true;
        case MasterAnswer::absent:
            return false;
        case MasterAnswer::silent:
            throw Error(ErrorCode::cluster, "cannot run commands on " + host.text +
                                                " over ssh: its shared connection does not answer within " +
                                                std::to_string(kCheckDeadline.count() / 1000) +
                                                "s (stopped or hung: end its ssh [mux] process)");
        case MasterAnswer::unknown:
            break;
    }
    return run_ssh(host, control_folder, {"-O", "check"}, {}, kCheckDeadline).succeeded();
}

}  // namespace

void open_shared_connection(const SshHost& host, const std::filesystem::path& control_folder) {
    // The master answers at once when it is there: a stopped or hung one does not.
    if (master_answers(host, control_folder)) return;
    // No master yet: this ssh logs in, runs `true` and leaves a master
    // behind (ControlMaster=auto: if another start made one meanwhile, it
    // uses that one, or connects on its own).
    ProgramResult result = run_ssh(host, control_folder,
                                   {"-T", "-o", "ControlMaster=auto", "-o", "ControlPersist=10m"}, {"true"});
    if (result.succeeded()) return;
    std::string why = last_line(result.err);
    if (why.empty()) why = "ssh exited with code " + std::to_string(result.exit_status);
    throw Error(ErrorCode::cluster, "cannot run commands on " + host.text + " over ssh: " + why);
}

bool shared_connection_answers(const SshHost& host, const std::filesystem::path& control_folder) {
    try {
        return master_answers(host, control_folder);
    } catch (const Error&) {  // no answer, or no ssh: the job's own ssh says why
        return false;
    }
}

std::filesystem::path control_folder_of(const RepositoryLocation& repository) {
    return control_folder(repository);
}

void open_shared_connections(const RepositoryLocation& repository, const std::vector<SshHost>& hosts) {
    std::filesystem::path folder = control_folder_of(repository);
    for (const SshHost& host : hosts) open_shared_connection(host, folder);
}

}  // namespace jobctl::detail
