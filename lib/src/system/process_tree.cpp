#include "system/process_tree.hpp"

#include <dirent.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "system/namespaces.hpp"
#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"

namespace jobctl::detail {
namespace {

bool exited(char state) {
    return state == 'Z' || state == 'X';
}

// Every process /proc lists, by its parent's pid.
std::unordered_multimap<pid_t, TreeProcess> processes_by_parent() {
    std::unordered_multimap<pid_t, TreeProcess> by_parent;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return by_parent;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        auto stat = read_stat(pid);  // gone meanwhile: not below anyone any more
        if (stat)
            by_parent.emplace(stat->parent,
                              TreeProcess{pid, stat->parent, stat->start_time, stat->state, stat->group});
    }
    ::closedir(proc);
    return by_parent;
}

}  // namespace

std::vector<TreeProcess> descendants_of(pid_t root, pid_t group) {
    std::unordered_multimap<pid_t, TreeProcess> by_parent = processes_by_parent();
    std::vector<TreeProcess> found;
    std::vector<pid_t> parents{root};
    // A snapshot taken while pids are reused could in theory link a loop: at
    // most every process listed is found once.
    while (!parents.empty() && found.size() < by_parent.size()) {
        pid_t parent = parents.back();
        parents.pop_back();
        auto [first, last] = by_parent.equal_range(parent);
        for (auto it = first; it != last; ++it) {
            found.push_back(it->second);
            parents.push_back(it->second.pid);
        }
    }
    if (group == 0) return found;
    std::unordered_set<pid_t> listed{root};
    for (const TreeProcess& process : found) listed.insert(process.pid);
    for (const auto& [parent, process] : by_parent)
        if (process.group == group && !listed.contains(process.pid)) found.push_back(process);
    return found;
}

std::vector<pid_t> children_of_self() {
    std::vector<pid_t> children;
    DIR* tasks = ::opendir("/proc/self/task");
    if (tasks == nullptr) return children;
    while (dirent* task = ::readdir(tasks)) {
        if (task->d_name[0] == '.') continue;
        std::ifstream listed(std::string("/proc/self/task/") + task->d_name + "/children");
        for (pid_t child = 0; listed >> child;) children.push_back(child);
    }
    ::closedir(tasks);
    return children;
}

bool has_live_child(pid_t except) {
    return std::ranges::any_of(children_of_self(), [except](pid_t child) {
        if (child == except) return false;
        auto stat = read_stat(child);
        return stat && !exited(stat->state);
    });
}

std::size_t signal_processes(const std::vector<TreeProcess>& processes, int signal) {
    std::size_t reached = 0;
    for (const TreeProcess& process : processes)
        if (!exited(process.state) &&
            ProcessIdentity{process.pid, process.start_time, own_pid_namespace()}.send_signal(signal))
            ++reached;
    return reached;
}

}  // namespace jobctl::detail
