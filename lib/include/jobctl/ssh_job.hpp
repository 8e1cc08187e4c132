#pragma once
// Jobs on other machines over ssh (`jobctl start --on ssh:HOST`,
// PowerShell's Invoke-Command -AsJob): the command runs on the host, its
// stdout and stderr arrive here live and apart, and the job is a process
// job of type "ssh" whose Location is the host. Its local side is a worker
// that runs the system's ssh client (the `ssh` on PATH, with the user's own
// config and keys, never asking for a password), through one connection per
// host that the repository's jobs share (ControlMaster, its socket in the
// repository's folder). Each run picks its remote side there:
//  - jobctl, where `jobctl` is on the remote PATH (the durable mode): the
//    command is a job of the remote user's repository, and the local side
//    follows it. A dropped connection does not end it: the local side
//    connects again (after 1 s, then waiting twice as long each time, at
//    most 30 s) and carries on from the last byte it has, so the output is
//    neither lost nor repeated. A stop or time limit is delivered there
//    (once connected again, if need be); a second stop while the host
//    cannot be reached gives up, and the job ends Stopped here. A worker
//    lost here (a crash, a reboot) is replaced by whoever looks at the job
//    next, and the new one carries on from the bytes here.
//  - the wrapper, elsewhere: a small POSIX sh starts the command in a
//    session of its own; a stop, a time limit, or a connection that drops
//    ends that whole session there, TERM then KILL after the grace. A lost
//    connection ends the job Failed ("connection to HOST lost ...").
// A job on another host cannot be suspended; its stdin is /dev/null there.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

struct SshOptions {
    // As ssh takes them: an alias of ~/.ssh/config, host, user@host,
    // host:port or [v6-address]:port.
    std::vector<std::string> hosts;
};

// Opens (or finds) the shared connection to each host, then registers the
// job and starts it. spec.run's cwd (empty: the remote user's home), env
// and clear_env are the remote side's; its time limit, retries, output cap
// and the rest of spec work as for a job here.
//   One host: a job of type "ssh" that a worker runs, as start_process_job
//   starts one.
//   Several: a parent of type "ssh" with one child per host, named
//   PARENT:HOST, all running at once under a detached host process, the
//   parent's state derived as a foreach's (start_foreach_job, whose
//   restriction applies: call it from a single-threaded process); --after
//   and a queue are refused.
// Errors: invalid_argument (no host, a bad host or one named twice, a
// stdin file or limits, which only a job here can have); program_not_found
// (no ssh on PATH); cluster (ssh could not connect or log in to a host:
// its own reason); as start_process_job. Nothing is registered then.
JobInfo start_ssh_job(Repository& repository, const ProcessJobSpec& spec, const SshOptions& ssh,
                      const std::filesystem::path& worker_path = {});

// Which remote side a job on another host (or a child of one) found.
struct RemoteSide {
    std::string mode;  // "jobctl" (the durable mode), "wrapper", or "unknown" until the host answers
    JobId job = 0;     // "jobctl": the job's id in the remote user's repository
};
// Nothing until its run has heard from the host (and for other jobs).
std::optional<RemoteSide> remote_side(const Repository& repository, JobId id);

// The remote side of the durable mode: what `jobctl __ssh-relay` runs on
// the host, started by a local ssh job's ssh (never by hand). `arguments`:
// the request word and the wrapper's words (ssh/remote_command.cpp).
// Opens the default repository (Repository::open: the remote user's),
// starts the command as a job of it (or follows the job asked for),
// writes its output and outcome to `out_fd` as frames, and obeys the stop
// lines read from `control_fd`; returns at "done" (the job removed, its
// outcome delivered) and exits the process at the end of the control line
// (the connection is gone; the job runs on). Returns the exit status.
// Errors: invalid_argument (arguments no local side wrote).
int serve_ssh_relay(const std::vector<std::string>& arguments, int control_fd, int out_fd);

}  // namespace jobctl
