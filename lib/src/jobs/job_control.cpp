#include "jobctl/job_control.hpp"

#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <unordered_set>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/job_lookup.hpp"
#include "jobs/liveness.hpp"
#include "output/spool.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {

bool request_stop(Repository& repository, JobId id, std::chrono::milliseconds grace) {
    detail::ControlRequestResult request = detail::lifecycle_of(repository).request_stop(id, grace);
    if (!request.found) throw job_not_found(id);
    if (!request.requested) return false;
    // Stopping a parent stops its children (one that ends meanwhile is fine).
    if (request.top_level)  // children have none: no need to look
        for (const JobInfo& child : children_of(repository, id)) {
            try {
                if (!child.finished()) request_stop(repository, child.id, grace);
            } catch (const Error& error) {
                if (error.code() != ErrorCode::job_not_found) throw;
            }
        }
    auto current = repository.find(id);
    if (!current) return true;  // finished and removed meanwhile
    JobInfo job = *current;
    // A worker that has not claimed the job yet sees the flag when it does.
    // A claimed one is signalled, but only if it is verifiably the owner.
    if (runs_in_worker(job.type) && job.owner_claimed)
        ProcessIdentity{job.owner_pid, job.owner_start_time, job.owner_pid_namespace}.send_signal(
            SIGTERM, detail::kWorkerProgram);
    Liveness::check(repository, job);
    return true;
}

namespace {

// Errors: job_busy unless the job has finished.
void check_finished(const JobInfo& job) {
    if (job.finished()) return;
    throw Error(ErrorCode::job_busy, "job " + std::to_string(job.id) + " (" + job.name + ") is " +
                                         std::string(to_string(job.state)) +
                                         "; stop it first or use --force");
}

// Errors: job_busy when an unfinished job runs after `job` or one of its
// `children` (which go with it).
void check_not_needed(Repository& repository, const JobInfo& job, const std::vector<JobInfo>& children) {
    std::vector<JobInfo> family = children;
    family.insert(family.begin(), job);  // ids in order: children follow their parent
    std::vector<JobId> ids;
    for (const JobInfo& member : family) ids.push_back(member.id);
    std::optional<JobInfo> other = detail::table_of(repository).unfinished_after(ids);
    if (!other) return;
    auto needed = std::ranges::find_if(family, [&](const JobInfo& member) {
        return std::ranges::find(other->after, member.id) != other->after.end();
    });
    throw Error(ErrorCode::job_busy, "job " + std::to_string(needed->id) + " (" + needed->name +
                                         ") is needed by job " + std::to_string(other->id) + " (" +
                                         other->name + "), which runs after it; use --force");
}

void erase_with_spool(Repository& repository, JobId id) {
    std::filesystem::path job_directory = detail::table_of(repository).job_directory(id);
    std::filesystem::path outside = outside_folder(job_directory);  // a Slurm job's, on a shared file system
    detail::table_of(repository).erase(id);
    std::error_code ignored;
    if (!outside.empty()) std::filesystem::remove_all(outside, ignored);
    std::filesystem::remove_all(job_directory, ignored);
}

// A remove (or an eviction) killed after freeing a job's slot and before
// deleting its output folder leaves the folder behind, owned by no job (ids
// are never reused). Every remove deletes such folders. It reads the spool
// only when it holds more folders than the jobs left could own (a job owns
// one once it has output; an unfinished one may be making it), and it
// leaves the ids from `unlisted_from` on (the next id before the listing: a
// job added since has such an id).
void sweep_orphaned_output(Repository& repository, JobId unlisted_from) {
    detail::JobTable& table = detail::table_of(repository);
    std::filesystem::path spool = table.job_directory(0).parent_path();
    struct stat status {};
    if (::stat(spool.c_str(), &status) != 0) return;
    // Each folder is a link to the spool (st_nlink = folders + 2), except on
    // file systems that do not count them (btrfs: 1): read the spool then.
    if (status.st_nlink == 2) return;  // no folder at all: nothing to count
    if (status.st_nlink > 2 && status.st_nlink - 2 <= table.possible_output_owners()) return;
    std::unordered_set<JobId> present;
    for (const JobInfo& job : repository.list()) present.insert(job.id);
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(spool, error)) {
        std::string name = entry.path().filename().string();
        if (name.empty() || name.size() > 10 || name.find_first_not_of("0123456789") != std::string::npos)
            continue;
        unsigned long id = std::stoul(name);
        if (id == 0 || id >= unlisted_from || present.contains(static_cast<JobId>(id))) continue;
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);
    }
}

}  // namespace

void remove_job(Repository& repository, JobId id, bool even_if_needed) {
    JobInfo job = detail::require_job(repository, id);
    Liveness::check(repository, job);
    check_finished(job);
    // A parent goes with its children (all finished, since the parent is).
    JobId unlisted_from = detail::table_of(repository).next_id();
    // Whatever the job's type: a damaged slot may name any job its parent,
    // and no child may outlive its parent (remove walks the table anyway).
    std::vector<JobInfo> children = detail::table_of(repository).children_of({id});
    for (JobInfo& child : children) {
        Liveness::check(repository, child);
        check_finished(child);
    }
    if (!even_if_needed) check_not_needed(repository, job, children);
    // Its ender appends its history line just after it ended it: gone
    // first, the job would not be waited for by a reader of the history.
    std::vector<JobId> ids{id};
    for (const JobInfo& child : children) ids.push_back(child.id);
    detail::table_of(repository).wait_for_history_lines(ids, std::chrono::seconds(2));
    // Last chance for a line its ender did not write (it died, or is
    // stopped): the slot that holds what it says goes now.
    for (JobId gone : ids)
        if (std::optional<JobInfo> left = detail::table_of(repository).history_line_left(gone))
            detail::lifecycle_of(repository).record_history(*left);
    for (const JobInfo& child : children) erase_with_spool(repository, child.id);
    erase_with_spool(repository, id);
    sweep_orphaned_output(repository, unlisted_from);
}

void check_removable(Repository& repository, const std::vector<JobInfo>& jobs) {
    for (const JobInfo& job : jobs) {
        check_finished(job);
        check_not_needed(repository, job, children_of(repository, job.id));
    }
}

}  // namespace jobctl
