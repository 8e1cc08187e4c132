#pragma once
// Starting a job's command: its own process group, stdin from /dev/null,
// stdout and stderr into two pipes, default signal handling, and SIGKILL
// when the thread that started it dies (PR_SET_PDEATHSIG), so that a killed
// worker or host never leaves its command running unsupervised. vfork (as
// cheap as posix_spawn for a large parent, safe from any thread), because
// posix_spawn has no way to set the parent-death signal.

#include <sys/types.h>

#include <string>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {

struct SpawnedCommand {
    pid_t pid = -1;
    FileDescriptor out_fd;  // read ends, close-on-exec
    FileDescriptor err_fd;
    int exec_error = 0;  // errno of a failed exec; then pid is -1 and both fds are empty
};

SpawnedCommand spawn_command(const std::vector<std::string>& argv);

// argv as exec wants it: pointers into `argv`, ending with nullptr.
std::vector<char*> exec_argv(const std::vector<std::string>& argv);

}  // namespace jobctl::detail
