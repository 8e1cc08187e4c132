#include "system/command_spawn.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include "system/file_descriptor.hpp"
#include "system/signal_sets.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

constexpr int kPipeSize = 1 << 20;

Pipe make_pipe(bool large) {
    Pipe pipe = open_pipe();
    if (large) ::fcntl(pipe.read_end.get(), F_SETPIPE_SZ, kPipeSize);  // fewer, larger reads; best effort
    return pipe;
}

// posix_spawn's attribute objects, freed however we leave.
struct SpawnSettings {
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_t file_actions;

    SpawnSettings(const Pipe& out, const Pipe& err) {
        posix_spawnattr_init(&attributes);
        posix_spawnattr_setflags(&attributes,
                                 POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        posix_spawnattr_setpgroup(&attributes, 0);  // its own group: stop signals the whole tree
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&attributes, &none);
        sigset_t defaults = defaulted_signal_set();
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawn_file_actions_init(&file_actions);
        posix_spawn_file_actions_addopen(&file_actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&file_actions, out.write_end.get(), 1);
        posix_spawn_file_actions_adddup2(&file_actions, err.write_end.get(), 2);
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
    Pipe err = make_pipe(false);
    SpawnSettings settings(out, err);
    pid_t pid = -1;
    int error =
        ::posix_spawnp(&pid, raw[0], &settings.file_actions, &settings.attributes, raw.data(), environ);
    // Only the command (and what it starts) may hold the write ends: the
    // pipes then end when it and its children are done with them.
    out.write_end.reset();
    err.write_end.reset();
    if (error != 0) return {-1, FileDescriptor(), FileDescriptor(), error};
    return {pid, std::move(out.read_end), std::move(err.read_end), 0};
}

}  // namespace jobctl::detail
