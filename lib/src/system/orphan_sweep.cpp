#include "system/orphan_sweep.hpp"

#include <dirent.h>
#include <signal.h>

#include <cstdlib>
#include <limits>

#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"

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

}  // namespace

std::size_t kill_job_processes(const JobProcesses& job) {
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
        if (!(in_group || in_session) || !ProcessIdentity{pid, process->start_time}.send_signal(SIGKILL))
            continue;
        // The command itself was already killed by its parent-death signal
        // (maybe not yet delivered): only what it left behind counts.
        if (pid != job.group) ++killed;
    }
    ::closedir(proc);
    return killed;
}

}  // namespace jobctl::detail
