#pragma once
// Starting a job's command: its own process group, its working folder and
// environment, stdin from a file or /dev/null, stdout and stderr into two
// pipes, default signal handling, and SIGKILL when the thread that started
// it dies (PR_SET_PDEATHSIG), so that a killed worker or host never leaves
// its command running unsupervised. vfork (as cheap as posix_spawn for a
// large parent, safe from any thread), because posix_spawn has no way to
// set the parent-death signal; for a command with a cgroup of its own,
// clone3 into that cgroup (a fork: moving a process in would cost an RCU
// grace period).

#include <sys/types.h>

#include <optional>
#include <string>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {

// How the command starts, all of it prepared by the caller: the child
// after vfork may only make system calls.
struct CommandSetup {
    std::string program;  // the file to exec, already found (no PATH search); empty: argv[0]
    std::optional<std::vector<std::string>> environment;  // NAME=VALUE...; none: ours
    std::string cwd;                                      // empty: ours
    int stdin_fd = -1;                                    // stays the caller's; -1: /dev/null
    // The cgroup the command starts in (its folder, open), so that nothing
    // it forks is ever outside; and its cgroup.procs (open for writing),
    // which the command enters before exec where it cannot be started in
    // it (clone3). -1: ours.
    int cgroup_fd = -1;
    int cgroup_procs_fd = -1;
};

struct SpawnedCommand {
    pid_t pid = -1;
    FileDescriptor out_fd;  // read ends, close-on-exec
    FileDescriptor err_fd;
    // Why it never became the command ("cannot enter /x: ...", "exec
    // failed: ..."); then pid is -1 and both fds are empty.
    std::string failure;
};

SpawnedCommand spawn_command(const std::vector<std::string>& argv, const CommandSetup& setup = {});

// argv as exec wants it: pointers into `argv`, ending with nullptr.
std::vector<char*> exec_argv(const std::vector<std::string>& argv);

}  // namespace jobctl::detail
