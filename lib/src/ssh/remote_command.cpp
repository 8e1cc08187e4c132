#include "ssh/remote_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include "table/repository_location.hpp"
#include "text/shell_quote.hpp"

namespace jobctl::detail {
namespace {

// A unix socket's path holds at most 107 bytes; ssh's %C is 40.
constexpr std::size_t kSocketPathRoom = 100;

// Runs as `sh -c WRAPPER jobctl-ssh GRACE CWD COMMAND...` on the host, its
// stdin the control line (see the header). Kept free of single quotes (it
// travels inside them) and on one line (a csh login shell reads it too).
// The watcher reads fd 3, the control line kept apart (an asynchronous
// list's stdin would be /dev/null); it ends the command's session with
// TERM, then KILL after the grace, and is itself ended when the command
// exits first.
constexpr const char* kWrapper =
    "grace=$1 cwd=$2; shift 2; "
    "if [ -n \"$cwd\" ] && ! cd -- \"$cwd\" 2>/dev/null; then "
    "echo \"jobctl: cannot enter $cwd on $(uname -n)\" >&2; exit 126; fi; "
    "exec 3<&0; "
    "if command -v setsid >/dev/null 2>&1; then setsid \"$@\" </dev/null 3<&- & else \"$@\" </dev/null 3<&- "
    "& fi; "
    "pid=$!; "
    "( while read -r word seconds; do if [ \"$word\" = stop ]; then grace=$seconds; break; fi; done; "
    "kill -s TERM -- \"-$pid\" 2>/dev/null || kill -s TERM \"$pid\" 2>/dev/null; "
    "sleep \"$grace\" </dev/null; "
    "kill -s KILL -- \"-$pid\" 2>/dev/null || kill -s KILL \"$pid\" 2>/dev/null ) <&3 >/dev/null 2>&1 & "
    "watcher=$!; exec 3<&-; wait \"$pid\"; status=$?; kill \"$watcher\" 2>/dev/null; exit \"$status\"";

// Whole seconds, at least 1: what POSIX sleep takes.
std::string seconds_of(std::chrono::milliseconds duration) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(duration).count();
    return std::to_string(seconds < 1 ? 1 : seconds);
}

}  // namespace

std::filesystem::path control_folder(const std::filesystem::path& repository_folder) {
    std::filesystem::path folder = repository_folder / "ssh";
    if (folder.native().size() + 41 > kSocketPathRoom) {
        std::string key = std::to_string(std::hash<std::string>{}(repository_folder.string()));
        std::filesystem::path own = "/tmp/jobctl-" + std::to_string(::geteuid());
        ensure_private_directory(own);
        folder = own / ("ssh-" + key.substr(0, 12));
    }
    ensure_private_directory(folder);
    return folder;
}

std::vector<std::string> ssh_options(const SshHost& host, const std::filesystem::path& control_folder) {
    std::vector<std::string> options{
        "-o", "BatchMode=yes",          "-o", "ControlPath=" + (control_folder / "%C").string(),
        "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
        "-o", "ConnectTimeout=15"};
    if (!host.port.empty()) options.insert(options.end(), {"-p", host.port});
    return options;
}

std::vector<std::string> ssh_job_argv(const SshHost& host, const std::filesystem::path& control_folder,
                                      const RunOptions& run, const std::vector<std::string>& command,
                                      std::chrono::milliseconds grace) {
    // The remote login shell reads one line: every word quoted, so that
    // the command and its arguments arrive as they were given.
    std::string remote = "exec sh -c " + shell_quoted(kWrapper) + " jobctl-ssh " +
                         shell_quoted(seconds_of(grace)) + " " + shell_quoted(run.cwd.string()) + " env";
    if (run.clear_env) remote += " -i";
    remote += " --";
    for (const std::string& variable : run.env) remote += " " + shell_quoted(variable);
    for (const std::string& word : command) remote += " " + shell_quoted(word);
    std::vector<std::string> argv{"ssh", "-T", "-o", "ControlMaster=no"};
    std::vector<std::string> options = ssh_options(host, control_folder);
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", host.destination, remote});
    return argv;
}

std::string stop_line(std::chrono::milliseconds grace) {
    return "stop " + seconds_of(grace) + "\n";
}

}  // namespace jobctl::detail
