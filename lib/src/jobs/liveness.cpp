#include "jobs/liveness.hpp"

#include "jobs/job_kinds.hpp"
#include "jobs/queue_turns.hpp"
#include "output/capped_output_log.hpp"
#include "system/clock.hpp"
#include "system/job_cgroup.hpp"
#include "system/orphan_sweep.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "text/size_text.hpp"

namespace jobctl {

namespace {

// A capped job's runner that died past the first half left the tail in
// pieces: nobody else writes its log now, so finish them as it would have.
void close_left_tail(Repository& repository, JobId id) {
    auto closed = CappedOutputLog::close_left_tail(detail::table_of(repository).job_directory(id));
    if (!closed) return;
    detail::JobLifecycle lifecycle(detail::table_of(repository));
    lifecycle.publish_output(id, closed->log_size);
    if (closed->dropped == 0) return;
    if (auto now = repository.find(id))
        lifecycle.append_reason(id, now->reason,
                                "output capped at " + detail::size_text(closed->cap) + ": " +
                                    std::to_string(closed->dropped) + " bytes dropped");
}

}  // namespace

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
    std::string said = reason;
    if (killed > 0) {
        lifecycle.append_reason(job.id, said, "its processes were killed");
        said += "; its processes were killed";
    }
    if (auto note = detail::hooks_of(job).lost_note)
        if (std::string more = note(repository, job); !more.empty())
            lifecycle.append_reason(job.id, said, more);
    close_left_tail(repository, job.id);
    if (auto fresh = repository.find(job.id)) job = *fresh;
    detail::pass_queue_turn(repository, job.queue);  // what it held, or its place in line, is free
    return true;
}

}  // namespace jobctl
