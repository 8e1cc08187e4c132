#include "jobs/liveness.hpp"

#include "jobs/job_kinds.hpp"
#include "jobs/queue_turns.hpp"
#include "system/clock.hpp"
#include "system/job_cgroup.hpp"
#include "system/orphan_sweep.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {

bool Liveness::check(Repository& repository, JobInfo& job) {
    if (job.finished() || job.owner_pid == 0) return false;
    ProcessIdentity owner{job.owner_pid, job.owner_start_time, job.owner_pid_namespace};
    if (owner.alive()) return false;
    // A job of a kind that runs on without its owner (a Slurm job without
    // its follower) gets a new owner instead.
    if (auto replace = detail::hooks_of(job).replace_lost_owner; replace && replace(repository, job))
        return false;
    const char* reason = runs_in_worker(job.type) ? "worker lost" : "host lost";
    detail::JobLifecycle lifecycle(detail::table_of(repository));
    if (!lifecycle.mark_lost(job.id, owner, reason)) {
        if (auto fresh = repository.find(job.id)) job = *fresh;
        return false;
    }
    // Nobody reads what is left of the job any more, and nothing would ever
    // end it: its command's group and, for a worker that had claimed the job,
    // the worker's session (see orphan_sweep.hpp for how reuse is ruled out).
    detail::JobProcesses processes;
    processes.group = job.process_id;
    processes.group_start = job.process_start_time;
    processes.pid_namespace = job.owner_pid_namespace;
    if (runs_in_worker(job.type) && job.owner_claimed) {
        processes.session = job.owner_pid;
        processes.session_start = job.owner_start_time;
    }
    std::size_t killed = detail::kill_job_processes(processes);
    if (auto cgroup = detail::JobCgroup::noted_in(detail::table_of(repository).job_directory(job.id))) {
        if (cgroup->populated()) ++killed;
        cgroup->remove();
        detail::JobCgroup::forget_in(detail::table_of(repository).job_directory(job.id));
    }
    if (killed > 0) lifecycle.append_reason(job.id, reason, "its processes were killed");
    if (auto fresh = repository.find(job.id)) job = *fresh;
    detail::pass_queue_turn(repository, job.queue);  // what it held, or its place in line, is free
    return true;
}

}  // namespace jobctl
