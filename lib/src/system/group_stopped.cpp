#include "system/group_stopped.hpp"

#include <dirent.h>

#include <cstdlib>

#include "system/proc_stat.hpp"

namespace jobctl::detail {

bool group_stopped(pid_t group) {
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return false;  // cannot tell: keep looking, rather than claim it
    bool stopped = true;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        auto process = read_stat(pid);  // gone meanwhile: nothing left to stop
        if (!process || process->group != group) continue;
        char state = process->state;
        if (state != 'T' && state != 't' && state != 'Z' && state != 'X') {
            stopped = false;
            break;
        }
    }
    ::closedir(proc);
    return stopped;
}

}  // namespace jobctl::detail
