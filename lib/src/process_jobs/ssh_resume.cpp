#include "process_jobs/ssh_resume.hpp"

#include "jobctl/error.hpp"
#include "jobs/job_kinds.hpp"
#include "output/capped_output_log.hpp"
#include "output/output_log.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/restart_spec.hpp"
#include "process_jobs/worker_arguments.hpp"
#include "process_jobs/worker_launch.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {

std::optional<std::uint64_t> remote_bytes_here(const std::filesystem::path& job_folder,
                                               const RemoteNote& note) {
    if (CappedOutputLog::tail_begun(job_folder)) return std::nullopt;
    try {
        std::error_code missing;
        std::uintmax_t size = std::filesystem::file_size(job_folder / kOutputLogFileName, missing);
        if (missing) size = 0;
        if (size < note.log_offset) return std::nullopt;
        std::uint64_t bytes = 0;
        OutputLogReader log(job_folder);
        log.read(note.log_offset, size, [&](OutputStream, std::string_view got) { bytes += got.size(); });
        return bytes;
    } catch (const Error&) {  // a damaged log
        return std::nullopt;
    }
}

bool resume_lost_ssh_worker(Repository& repository, const JobInfo& job) {
    // Only a run under way: one that waits (its queue, its next attempt)
    // has no job there of its own yet.
    bool under_way = job.state == JobState::running || job.state == JobState::stopping;
    if (!runs_in_worker(job.type) || !job.owner_claimed || !under_way) return false;
    std::filesystem::path folder = table_of(repository).job_directory(job.id);
    std::optional<RemoteNote> note = noted_remote_side(folder);
    // A relay answered (by id, or by name before it said the id), or the
    // host had not said yet (found by name there; the wrapper had ended it).
    bool durable = note && (note->side.mode == "jobctl" || note->side.mode == "unknown");
    if (!durable || (note->side.job == 0 && note->name.empty()) || !remote_bytes_here(folder, *note))
        return false;
    std::optional<RestartSpec> spec = read_restart_spec(folder);
    if (!spec) return false;
    spec->arguments.resume_remote = true;
    try {
        std::filesystem::path worker = checked_worker({});
        std::vector<std::string> argv = to_worker_argv(worker.string(), spec->arguments);
        // This process's environment, not the one kept from the start: the
        // worker needs only ssh's (PATH, HOME, SSH_AUTH_SOCK), and after a
        // reboot the kept agent socket is gone. The command's variables
        // there are its arguments.
        WorkerAwaitingJob started(worker, argv, false, false);
        ProcessIdentity lost{job.owner_pid, job.owner_start_time, job.owner_pid_namespace};
        // Someone else took it over first, or it has ended: not lost either way.
        if (!lifecycle_of(repository).hand_over(job.id, lost, started.identity())) return true;
        started.assign(job.id);
        return true;
    } catch (const Error&) {  // no worker to start, or the fork failed: lost after all
        return false;
    }
}

void register_ssh_job_kind() {
    auto lost_note = [](Repository& repository, const JobInfo& job) -> std::string {
        auto note = noted_remote_side(table_of(repository).job_directory(job.id));
        if (!note || note->side.mode == "wrapper") return "";
        if (note->side.job != 0)
            return "its job " + std::to_string(note->side.job) + " on " + job.location + " may run on there";
        return note->name.empty()
                   ? ""
                   : "a job it started on " + job.location + " (" + note->name + ") may run on there";
    };
    register_job_kind("ssh", {.replace_lost_owner = resume_lost_ssh_worker, .lost_note = lost_note});
}

}  // namespace jobctl::detail
