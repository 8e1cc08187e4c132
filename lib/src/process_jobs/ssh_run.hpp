#pragma once
// The local side of a job that runs on another host (RunOptions::ssh_host):
// the ssh command a run spawns instead of the command, and the control line
// to the remote wrapper (ssh/remote_command.hpp) that the run keeps open
// while the job runs, writes a stop to, and closes.

#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/process_job.hpp"
#include "jobctl/ssh_job.hpp"
#include "system/file_descriptor.hpp"
#include "table/repository_location.hpp"

namespace jobctl::detail {

struct SshRun {
    std::vector<std::string> argv;  // ssh ... HOST 'exec sh -c WRAPPER ...'
    FileDescriptor wrapper_stdin;   // for the spawn: ssh's stdin, the control line's far end
    FileDescriptor control;         // kept by the run (close-on-exec: ssh must not hold it)
};

// JOBCTL_SSH_REMOTE: "wrapper" runs every job on another host with the
// wrapper, even where jobctl is installed there; "auto" (or unset) takes
// jobctl where it is (the durable mode). Errors: invalid_argument.
inline constexpr const char* kRemoteModeVariable = "JOBCTL_SSH_REMOTE";
bool wrapper_forced();

// What only a job on this machine can have: a stdin file, and limits
// (its cgroup's); and a bad JOBCTL_SSH_REMOTE. Errors: invalid_argument, in one line.
// Also a program whose name holds '=': env(1) would take it for a variable.
void check_remote_run(const RunOptions& run, const std::string& program);

// `request`: what a jobctl there is asked (relay_frames.hpp), or "wrapper".
// Errors: invalid_argument (a bad host); system.
SshRun prepare_ssh_run(const RepositoryLocation& repository, const RunOptions& run,
                       const std::vector<std::string>& command, const std::string& request);

// Tells the wrapper to stop the command (TERM to its session, KILL after
// `grace`); the line stays open. Never raises SIGPIPE: ssh may be gone.
void send_remote_stop(FileDescriptor& control, std::chrono::milliseconds grace);

// Tells it to KILL what is left at once (a stop asked again), and closes the line.
void send_remote_kill(FileDescriptor& control);

// Writes one line to the relay (the durable mode), which keeps reading.
void send_remote_line(FileDescriptor& control, std::string_view line);

// The name the job of the remote user's repository gets: where it came
// from, the local id, and a random part (a job started there again, by a
// restart here, is another).
std::string remote_job_name(JobId local);

// Which side a run found there, noted in the local job's folder for `get`
// (jobctl/ssh_job.hpp: RemoteSide) and for a worker that takes over a lost
// one's job (ssh_resume.hpp). Never throws.
struct RemoteNote {
    RemoteSide side;  // mode "unknown" until the host has said which
    // The durable mode: the size of the job's log here when the relay
    // answered; every record after it is the job's output there.
    std::uint64_t log_offset = 0;
    // The name the run asked the job there to have (remote_job_name): a new
    // worker finds it by that name when its id never arrived.
    std::string name;
};
inline constexpr const char* kRemoteNoteFile = "remote";
void note_remote_side(const std::filesystem::path& job_folder, const RemoteNote& note);
std::optional<RemoteNote> noted_remote_side(const std::filesystem::path& job_folder);

// The reason of a job whose ssh exited 255: its connection failed or was
// lost (unless the command itself exited 255, which ssh cannot tell apart).
std::string connection_lost_reason(const std::string& host);

}  // namespace jobctl::detail
