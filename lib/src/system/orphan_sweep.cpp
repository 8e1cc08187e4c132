#include "system/orphan_sweep.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

#include "system/namespaces.hpp"
#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"

namespace jobctl::detail {
namespace {

constexpr std::uint64_t kNever = std::numeric_limits<std::uint64_t>::max();

// Processes of id `id` started at or after this are not ours: the id's
// first process is gone and a later process with the same pid started then.
std::uint64_t taken_over_at(pid_t id, std::uint64_t first_start) {
    auto current = read_stat(id);
    return current && current->start_time != first_start ? current->start_time : kNever;
}

bool belongs(const ProcStat& process, pid_t id, pid_t member_id, std::uint64_t first_start,
             std::uint64_t taken_over) {
    return id != 0 && member_id == id && process.start_time >= first_start && process.start_time < taken_over;
}

// A session is a worker's when its leader, if it still runs, is one.
bool led_by_a_worker(pid_t session) {
    auto leader = read_stat(session);
    if (!leader || leader->state == 'Z' || leader->state == 'X')
        return true;  // gone: its members are judged by time
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/comm", static_cast<int>(session));
    std::FILE* comm = std::fopen(path, "re");
    if (comm == nullptr) return false;
    char name[32] = {};
    bool read = std::fgets(name, sizeof name, comm) != nullptr;
    std::fclose(comm);
    return read && std::string_view(name) == std::string(kWorkerProgram) + "\n";
}

bool owned_by_this_user(pid_t pid) {
    char path[32];
    std::snprintf(path, sizeof path, "/proc/%d", static_cast<int>(pid));
    struct stat status {};
    return ::stat(path, &status) == 0 && status.st_uid == ::geteuid();
}

}  // namespace

std::size_t kill_job_processes(const JobProcesses& recorded) {
    JobProcesses job = recorded;
    if (!same_pid_namespace(job.pid_namespace)) return 0;  // not ours to look up, let alone signal
    if (job.group_start == 0) job.group = 0;
    if (job.session_start == 0 || (job.session != 0 && !led_by_a_worker(job.session))) job.session = 0;
    if (job.group == 0 && job.session == 0) return 0;
    std::uint64_t group_taken = job.group != 0 ? taken_over_at(job.group, job.group_start) : kNever;
    std::uint64_t session_taken = job.session != 0 ? taken_over_at(job.session, job.session_start) : kNever;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return 0;
    std::size_t killed = 0;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        auto process = read_stat(pid);
        if (!process || process->state == 'Z' || process->state == 'X') continue;
        bool in_group = belongs(*process, job.group, process->group, job.group_start, group_taken);
        bool in_session = belongs(*process, job.session, process->session, job.session_start, session_taken);
        if (!(in_group || in_session) || !owned_by_this_user(pid) ||
            !ProcessIdentity{pid, process->start_time, own_pid_namespace()}.send_signal(SIGKILL))
            continue;
        // The command itself was already killed by its parent-death signal
        // (maybe not yet delivered): only what it left behind counts.
        if (pid != job.group) ++killed;
    }
    ::closedir(proc);
    return killed;
}

}  // namespace jobctl::detail
