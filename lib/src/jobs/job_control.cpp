#include "jobctl/job_control.hpp"

#include <signal.h>

#include <filesystem>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/job_lookup.hpp"
#include "jobs/job_outcome.hpp"
#include "jobs/liveness.hpp"
#include "jobs/removal_check.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"

namespace jobctl {

bool request_stop(Repository& repository, JobId id, std::chrono::milliseconds grace) {
    bool requested = false;
    bool may_have_children = false;
    JobInfo job;
    bool found = detail::table_of(repository)
                     .update(
                         id,
                         [&](detail::JobSlot& slot) {
                             may_have_children = slot.parent_id == 0;  // children have none: no need to look
                             if (detail::is_finished(slot)) return false;
                             slot.stop_requested = 1;
                             slot.stop_grace_ms = static_cast<std::uint32_t>(grace.count());
                             detail::set_state(slot, JobState::stopping);
                             requested = true;
                             return true;
                         },
                         detail::JobTable::Change::stop_request);
    if (!found) throw detail::job_not_found(id);
    if (!requested) return false;
    // Stopping a parent stops its children (one that ends meanwhile is fine).
    if (may_have_children)
        for (const JobInfo& child : children_of(repository.list(), id)) {
            try {
                if (!child.finished()) request_stop(repository, child.id, grace);
            } catch (const Error& error) {
                if (error.code() != ErrorCode::job_not_found) throw;
            }
        }
    auto current = repository.find(id);
    if (!current) return true;  // finished and removed meanwhile
    job = *current;
    // A worker that has not claimed the job yet sees the flag when it does.
    // A claimed one is signalled, but only if it is verifiably the owner.
    if (job.type == JobType::process && job.owner_claimed)
        ProcessIdentity{job.owner_pid, job.owner_start_time}.send_signal(SIGTERM);
    Liveness::check(repository, job);
    return true;
}

namespace {

void erase_with_spool(Repository& repository, JobId id) {
    detail::table_of(repository).erase(id);
    std::error_code ignored;
    std::filesystem::remove_all(detail::table_of(repository).job_directory(id), ignored);
}

}  // namespace

void detail::check_removable(const JobInfo& job) {
    if (job.finished()) return;
    throw Error(ErrorCode::job_busy, "job " + std::to_string(job.id) + " (" + job.name + ") is " +
                                         std::string(to_string(job.state)) +
                                         "; stop it first or use --force");
}

void remove_job(Repository& repository, JobId id) {
    JobInfo job = detail::require_job(repository, id);
    Liveness::check(repository, job);
    detail::check_removable(job);
    // A parent goes with its children (all finished, since the parent is).
    std::vector<JobInfo> children = children_of(repository.list(), id);
    for (JobInfo& child : children) {
        Liveness::check(repository, child);
        detail::check_removable(child);
    }
    for (const JobInfo& child : children) erase_with_spool(repository, child.id);
    erase_with_spool(repository, id);
}

}  // namespace jobctl
