#include "system/command_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"
#include "system/signal_sets.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

constexpr int kPipeSize = 1 << 20;

struct Pipe {
    int read_end = -1;
    int write_end = -1;
};

Pipe make_pipe(bool large) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) throw_system_error("pipe", errno);
    if (large) ::fcntl(fds[0], F_SETPIPE_SZ, kPipeSize);  // fewer, larger reads; best effort
    return {fds[0], fds[1]};
}

// posix_spawn's attribute objects, freed however we leave.
struct SpawnSettings {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t file_actions;

    SpawnSettings(const Pipe& out, const Pipe& err) {
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attributes, 0);  // its own group: stop signals the whole tree
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attributes, &none);
        sigset_t defaults = defaulted_signal_set();
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawn_file_actions_init(&file_actions);
        posix_spawn_file_actions_addopen(&file_actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&file_actions, out.write_end, 1);
        posix_spawn_file_actions_adddup2(&file_actions, err.write_end, 2);
        // A thread-job host's own descriptors (a CI runner's, say) are none of the command's business.
        posix_spawn_file_actions_addclosefrom_np(&file_actions, 3);
    }
    ~SpawnSettings() {
        posix_spawn_file_actions_destroy(&file_actions);
        posix_spawnattr_destroy(&attributes);
    }
};

}  // namespace

std::vector<char*> exec_argv(const std::vector<std::string>& argv) {
    std::vector<char*> pointers;
    for (const std::string& argument : argv) pointers.push_back(const_cast<char*>(argument.c_str()));
    pointers.push_back(nullptr);
    return pointers;
}

SpawnedCommand spawn_command(const std::vector<std::string>& argv) {
    std::vector<char*> raw = exec_argv(argv);
    Pipe out = make_pipe(true);
    Pipe err;
    try {
        err = make_pipe(false);
    } catch (...) {
        ::close(out.read_end);
        ::close(out.write_end);
        throw;
    }
    SpawnSettings settings(out, err);
    pid_t pid = -1;
    int error = ::posix_spawnp(&pid, raw[0], &settings.file_actions, &settings.attributes, raw.data(), environ);
    ::close(out.write_end);
    ::close(err.write_end);
    if (error != 0) {
        ::close(out.read_end);
        ::close(err.read_end);
        return {-1, -1, -1, error};
    }
    return {pid, out.read_end, err.read_end, 0};
}

}  // namespace jobctl::detail
