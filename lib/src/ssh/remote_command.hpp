#pragma once
// The command line of an ssh job's local side: ssh, through the shared
// connection to the host when there is one, running a small wrapper there
// that starts the command in a session of its own (setsid) with its folder
// and variables, and ends that whole session when told to stop or when the
// connection is gone. The wrapper's stdin is the control line: the local
// side keeps it open while the job runs, writes "stop SECONDS" and closes
// it to stop the job; end of file without a word (the connection dropped,
// the local ssh killed) stops it too. The command's own stdin is /dev/null.
//
// The remote side needs only a POSIX sh, env and kill (setsid, from
// util-linux, where it is: without it a stop reaches the command but not
// what it started in other process groups).

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/process_job.hpp"
#include "ssh/ssh_host.hpp"
#include "table/repository_location.hpp"

namespace jobctl::detail {

// Where a repository keeps the sockets of its shared connections (one for
// each host as the user names it; ssh_control_folder), made (mode 0700) if
// need be. Errors: system, repository_unusable.
std::filesystem::path control_folder(const RepositoryLocation& repository);

// The socket of the shared connection to `host` in `control_folder`.
std::filesystem::path control_socket(const SshHost& host, const std::filesystem::path& control_folder);

// ssh's options for every connection of a job: no password prompt, the
// shared connection's socket, keepalives that notice a dead link.
std::vector<std::string> ssh_options(const SshHost& host, const std::filesystem::path& control_folder);

// The local command of a job that runs `command` on `host` as `run` says
// (its cwd, env and clear_env are the remote side's; an empty cwd: the
// remote user's home). `grace`: how long the wrapper waits between TERM and
// KILL when the connection is lost without a word.
// `request`: what a remote jobctl is asked (encode_request), or "wrapper":
// the wrapper even where there is one.
// `shared`: through the shared connection; else on its own (ControlPath=none:
// a master that died or hangs is neither waited for nor complained about).
std::vector<std::string> ssh_job_argv(const SshHost& host, const std::filesystem::path& control_folder,
                                      const RunOptions& run, const std::vector<std::string>& command,
                                      std::chrono::milliseconds grace, const std::string& request,
                                      bool shared = true);

// What the remote login shell gets: the wrapper and its arguments, quoted.
std::string remote_line(const RunOptions& run, const std::vector<std::string>& command,
                        std::chrono::milliseconds grace, const std::string& request);

// The relay's side of remote_line: the words after REQUEST back into the
// command and its folder (cwd: empty for the home, or as remote_line
// wrote it), variables and clear_env. Nothing when they are not its words.
struct RemoteWords {
    RunOptions run;
    std::vector<std::string> command;
};
std::optional<RemoteWords> decode_remote_words(const std::vector<std::string>& words);

// Errors: invalid_argument when the remote line would be longer than one
// argument may be there (128 KiB): known before anything is registered.
void check_remote_line(const RunOptions& run, const std::vector<std::string>& command);

// The line the local side writes to the wrapper to stop the job.
std::string stop_line(std::chrono::milliseconds grace);

}  // namespace jobctl::detail
