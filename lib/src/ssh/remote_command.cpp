#include "ssh/remote_command.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>

#include "jobctl/error.hpp"
#include "table/repository_location.hpp"
#include "text/shell_quote.hpp"

namespace jobctl::detail {
namespace {

// Runs as `sh -c WRAPPER jobctl-ssh REQUEST GRACE CWD COMMAND...` on the
// host, its stdin the control line (see the header). Kept free of single
// quotes (it travels inside them) and on one line (a csh login shell reads
// it too).
//  - Where jobctl is on the remote PATH (and REQUEST is not "wrapper"), it
//    hands everything to `jobctl __ssh-relay` (the durable mode,
//    relay_frames.hpp); else it says it is the wrapper, on a line of its own.
//    Only a first start may fall back to the wrapper: a request to follow
//    a job there, or to start again once a relay answered, must not run
//    the command a second time. Without jobctl it says so (jobctl-missing)
//    and exits 255, as a lost connection does: jobctl may be there again the
//    next time (an upgrade).
//  - The command gets a session of its own (setsid): what it forks stays
//    in it, whatever process group it makes.
//  - `members`: the session's processes, zombies aside (`ps -s` where ps
//    takes a session; else the command's process group). `signal SIG`
//    sends SIG to each, and to the group.
//  - `finish GRACE` waits until the command has its session (a signal sent
//    sooner reaches nothing), sends TERM, and KILL to whatever is left
//    after the grace (looked at each second).
//  - The watcher reads fd 3, the control line kept apart (an asynchronous
//    list's stdin would be /dev/null): at "stop SECONDS" it finishes the
//    session with that grace, in the background, and reads on; "kill", or
//    the end of the line (the connection gone, ssh killed), KILLs what is
//    left at once if a stop is under way, else finishes with the default
//    grace.
//  - The wrapper waits for the command, then until nothing of its session
//    is left (a job here ends once its cgroup is empty), and exits with
//    the command's status; the shell's own word on a killed command
//    ("Terminated") is not the command's output.
constexpr const char* kWrapper =
    "if [ \"$1\" != wrapper ] && command -v jobctl >/dev/null 2>&1; then exec jobctl __ssh-relay \"$@\"; fi; "
    "case $1 in wrapper|start:*) ;; *) echo jobctl-missing; exit 255 ;; esac; "
    "echo jobctl-wrapper; grace=$2 cwd=$3; shift 3; "
    "if [ -n \"$cwd\" ] && ! cd -- \"$cwd\" >/dev/null 2>&1; then "
    "echo \"jobctl: cannot enter $cwd on $(uname -n)\" >&2; exit 126; fi; "
    "exec 3<&0; "
    "if command -v setsid >/dev/null 2>&1; then setsid \"$@\" </dev/null 3<&- & pid=$!; target=-$pid; "
    "else \"$@\" </dev/null 3<&- & pid=$!; target=$pid; fi; "
    "members() { ps -o pid=,stat= -s \"$pid\" 2>/dev/null | while read -r p s; do "
    "case $s in Z*) ;; *) echo \"$p\" ;; esac; done; }; "
    "alive() { if ps -o pid= -s \"$pid\" >/dev/null 2>&1; then [ -n \"$(members)\" ]; "
    "else kill -s 0 -- \"$target\" 2>/dev/null; fi; }; "
    "signal() { kill -s \"$1\" -- \"$target\" 2>/dev/null; for p in $(members); do kill -s \"$1\" \"$p\" "
    "2>/dev/null; done; }; "
    "finish() { while ! kill -s 0 -- \"$target\" 2>/dev/null && kill -s 0 \"$pid\" 2>/dev/null; do sleep 1; "
    "done; "
    "signal TERM; n=0; while [ $n -lt \"$1\" ] && alive; do sleep 1; n=$((n+1)); done; signal KILL; }; "
    "( stopping=; while read -r word seconds; do "
    "case $word in stop) if [ -z \"$stopping\" ]; then stopping=1; finish \"$seconds\" & fi ;; kill) break "
    ";; esac; done; "
    "if [ -n \"$stopping\" ]; then signal KILL; else finish \"$grace\"; fi ) <&3 >/dev/null 2>&1 & "
    "watcher=$!; exec 3<&-; wait \"$pid\" 2>/dev/null; status=$?; "
    "while alive; do sleep 1 </dev/null; done; "
    "kill \"$watcher\" 2>/dev/null; exit \"$status\"";

// The shared connection's socket: one per host as the user names it. Not
// ssh's %C (user, host and port): two aliases of one machine with other
// keys or options must not share a connection that only one of them could
// make. FNV-1a of the text, in hex.
std::string socket_name(const SshHost& host) {
    std::uint64_t hash = 14695981039346656037ull;
    for (unsigned char c : host.text) hash = (hash ^ c) * 1099511628211ull;
    char name[17];
    std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(hash));
    return name;
}

// The remote command travels as one argument of the remote shell (-c):
// Linux takes at most 128 KiB in one (MAX_ARG_STRLEN), its NUL included.
constexpr std::size_t kMaxRemoteLine = 131071;

// Whole seconds, at least 1: what POSIX sleep takes.
std::string seconds_of(std::chrono::milliseconds duration) {
    auto seconds = std::chrono::ceil<std::chrono::seconds>(duration).count();
    return std::to_string(seconds < 1 ? 1 : seconds);
}

}  // namespace

std::filesystem::path control_folder(const RepositoryLocation& repository) {
    std::filesystem::path folder = ssh_control_folder(repository);
    if (folder.parent_path().string().starts_with("/tmp/jobctl-"))
        ensure_private_directory(folder.parent_path());
    ensure_private_directory(folder);
    return folder;
}

std::filesystem::path control_socket(const SshHost& host, const std::filesystem::path& control_folder) {
    return control_folder / socket_name(host);
}

std::vector<std::string> ssh_options(const SshHost& host, const std::filesystem::path& control_folder) {
    std::vector<std::string> options{
        "-o", "BatchMode=yes",          "-o", "ControlPath=" + control_socket(host, control_folder).string(),
        "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
        "-o", "ConnectTimeout=15"};
    if (!host.port.empty()) options.insert(options.end(), {"-p", host.port});
    return options;
}

// A folder as `cd` must take it there: one that starts with '-' (`-` is
// cd's way back) as ./-... .
std::string remote_folder(const std::filesystem::path& cwd) {
    const std::string& folder = cwd.native();
    return folder.starts_with('-') ? "./" + folder : folder;
}

std::string remote_line(const RunOptions& run, const std::vector<std::string>& command,
                        std::chrono::milliseconds grace, const std::string& request) {
    // The remote login shell reads one line: every word quoted, so that
    // the command and its arguments arrive as they were given.
    std::string remote = "exec sh -c " + shell_quoted(kWrapper) + " jobctl-ssh " + shell_quoted(request) +
                         " " + shell_quoted(seconds_of(grace)) + " " + shell_quoted(remote_folder(run.cwd)) +
                         " env";
    if (run.clear_env) remote += " -i";
    remote += " --";
    for (const std::string& variable : run.env) remote += " " + shell_quoted(variable);
    for (const std::string& word : command) remote += " " + shell_quoted(word);
    return remote;
}

void check_remote_line(const RunOptions& run, const std::vector<std::string>& command) {
    // The longest request word: a follow with a stop (relay_frames.hpp).
    std::size_t size = remote_line(run, command, std::chrono::milliseconds(0), "wrapper").size() + 8 + 64;
    if (size > kMaxRemoteLine)
        throw Error(ErrorCode::invalid_argument,
                    "the command, its variables and its folder are too long to run over ssh (" +
                        std::to_string(size) + " bytes quoted; at most " + std::to_string(kMaxRemoteLine) +
                        ", one argument of the remote shell)");
}

std::vector<std::string> ssh_job_argv(const SshHost& host, const std::filesystem::path& control_folder,
                                      const RunOptions& run, const std::vector<std::string>& command,
                                      std::chrono::milliseconds grace, const std::string& request,
                                      bool shared) {
    std::string remote = remote_line(run, command, grace, request);
    std::vector<std::string> argv{"ssh", "-T", "-o", "ControlMaster=no"};
    std::vector<std::string> options = ssh_options(host, control_folder);
    if (!shared)  // the first ControlPath given wins
        options.insert(options.begin(), {"-o", "ControlPath=none"});
    argv.insert(argv.end(), options.begin(), options.end());
    argv.insert(argv.end(), {"--", host.destination, remote});
    return argv;
}

std::optional<RemoteWords> decode_remote_words(const std::vector<std::string>& words) {
    // GRACE CWD env [-i] -- VARIABLE=VALUE... COMMAND..., as remote_line wrote them.
    if (words.size() < 4 || words[2] != "env") return std::nullopt;
    RemoteWords decoded;
    decoded.run.cwd = words[1];
    std::size_t at = 3;
    if (words[at] == "-i") {
        decoded.run.clear_env = true;
        ++at;
    }
    if (at >= words.size() || words[at] != "--") return std::nullopt;
    for (++at; at < words.size() && words[at].find('=') != std::string::npos; ++at)
        decoded.run.env.push_back(words[at]);
    decoded.command.assign(words.begin() + static_cast<std::ptrdiff_t>(at), words.end());
    if (decoded.command.empty()) return std::nullopt;
    return decoded;
}

std::string stop_line(std::chrono::milliseconds grace) {
    return "stop " + seconds_of(grace) + "\n";
}

}  // namespace jobctl::detail
