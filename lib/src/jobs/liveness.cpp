#include "jobs/liveness.hpp"

#include <signal.h>

#include "jobs/job_outcome.hpp"
#include "system/clock.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"

namespace jobctl {

bool Liveness::check(Repository& repository, JobInfo& job) {
    if (job.finished() || job.owner_pid == 0) return false;
    if (ProcessIdentity{job.owner_pid, job.owner_start_time}.alive()) return false;
    const char* reason = job.type == JobType::thread ? "host lost" : "worker lost";
    bool marked = false;
    detail::table_of(repository).update(job.id, [&](detail::JobSlot& slot) {
        // Only if nothing changed since we looked: the owner may have finished
        // the job, or a new owner may have claimed it, in between.
        if (detail::is_finished(slot) || slot.owner_pid != job.owner_pid ||
            slot.owner_start_time != job.owner_start_time)
            return false;
        detail::set_outcome(slot, JobState::failed, reason);
        marked = true;
        return true;
    });
    if (!marked) {
        if (auto fresh = repository.find(job.id)) job = *fresh;
        return false;
    }
    // Nobody reads the orphaned command's output any more: end its process
    // group, but only if its leader is verifiably still the job's command.
    ProcessIdentity{job.process_id, job.process_start_time}.signal_group(SIGKILL);
    if (auto fresh = repository.find(job.id)) job = *fresh;
    return true;
}

}  // namespace jobctl
