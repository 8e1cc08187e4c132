// Suspend-Job and Resume-Job: the request. The job's runner does the rest
// (CommandRun: SIGSTOP or SIGCONT to the group; a foreach host's pool holds
// back queued children).

#include "jobs/suspension.hpp"

#include <algorithm>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/job_lookup.hpp"
#include "jobs/liveness.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// Suspends or resumes the job, then its unfinished children, then tells a
// process job's worker to look (a thread job's host looks by itself: the
// control-request count moved).
bool request(Repository& repository, JobId id, bool suspend) {
    detail::JobLifecycle lifecycle = detail::lifecycle_of(repository);
    detail::ControlRequestResult marked =
        suspend ? lifecycle.request_suspend(id) : lifecycle.request_resume(id);
    if (!marked.found) throw job_not_found(id);
    if (!marked.requested) return false;
    bool has_children = marked.top_level;  // children have none: no need to look
    if (has_children)
        for (const JobInfo& child : children_of(repository, id)) {
            try {
                if (!child.finished()) request(repository, child.id, suspend);
            } catch (const Error& error) {
                if (error.code() != ErrorCode::job_not_found) throw;  // ended and removed meanwhile
            }
        }
    auto job = repository.find(id);
    if (!job) return true;  // finished and removed meanwhile
    // A worker that has not claimed the job yet sees the flag when it
    // spawns the command. A claimed one is signalled, if verifiably the owner.
    if (runs_in_worker(job->type) && job->owner_claimed)
        ProcessIdentity{job->owner_pid, job->owner_start_time, job->owner_pid_namespace}.send_signal(
            detail::kSuspendSignal, detail::kWorkerProgram);
    if (suspend && has_children) detail::settle_parent_suspension(repository, id);
    Liveness::check(repository, *job);
    return true;
}

}  // namespace

void check_suspendable(const std::vector<JobInfo>& jobs) {
    for (const JobInfo& job : jobs)
        if (!job.can_suspend && !job.finished())
            throw Error(ErrorCode::invalid_argument,
                        "job " + std::to_string(job.id) + " (" + job.name + ") " +
                            (job.type_name == "ssh"
                                 ? "runs on another host (ssh) and cannot be suspended"
                                 : "is a thread job of a library host and cannot be suspended (only process "
                                   "jobs and foreach runs can)"));
}

bool request_suspend(Repository& repository, JobId id) {
    check_suspendable({detail::require_job(repository, id)});
    return request(repository, id, true);
}

bool request_resume(Repository& repository, JobId id) {
    return request(repository, id, false);
}

void detail::settle_parent_suspension(Repository& repository, JobId parent) {
    auto job = repository.find(parent);
    if (!job || job->state != JobState::suspending) return;
    std::vector<JobInfo> children = children_of(repository, parent);
    // No children: not a parent at all (a process job: its runner decides).
    if (children.empty() || !std::ranges::all_of(children, [](const JobInfo& child) {
            return child.finished() || child.state == JobState::suspended;
        }))
        return;
    detail::lifecycle_of(repository).confirm_suspended(parent);
}

}  // namespace jobctl
