#include "system/group_stopped.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "system/file_descriptor.hpp"
#include "system/proc_stat.hpp"

namespace jobctl::detail {
namespace {

// A vfork() parent sleeps (state D, in kernel_clone) until its child execs
// or exits; a SIGSTOP stays pending meanwhile. If the child was stopped
// before its exec, the parent cannot run a single instruction before the
// child is continued: it is as good as stopped, and would never show T.
bool waits_for_vfork_child(pid_t pid) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/wchan", static_cast<int>(pid));
    FileDescriptor fd(::open(path, O_RDONLY | O_CLOEXEC));
    if (!fd) return false;
    char buffer[64];
    ssize_t length = ::read(fd.get(), buffer, sizeof buffer);
    if (length <= 0) return false;
    std::string_view wchan(buffer, static_cast<std::size_t>(length));
    return wchan == "kernel_clone" || wchan == "_do_fork" || wchan == "do_fork" ||
           wchan == "wait_for_vfork_done";
}

}  // namespace

bool counts_as_stopped(pid_t pid, char state) {
    return state == 'T' || state == 't' || state == 'Z' || state == 'X' ||
           (state == 'D' && waits_for_vfork_child(pid));
}

bool group_stopped(pid_t group) {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return false;  // cannot tell: keep looking, rather than claim it
    bool stopped = true;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        auto process = read_stat(pid);  // gone meanwhile: nothing left to stop
        if (!process || process->group != group) continue;
        if (!counts_as_stopped(pid, process->state)) {
            stopped = false;
            break;
        }
    }
    ::closedir(proc);
    return stopped;
}

}  // namespace jobctl::detail
