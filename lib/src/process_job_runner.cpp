// The worker's body: claims the job, then runs its command (CommandRun) with
// stop requests arriving as SIGTERM/SIGINT/SIGHUP on a signalfd.

#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "clock.hpp"
#include "command_run.hpp"
#include "jobctl/process_identity.hpp"
#include "jobctl/process_job.hpp"
#include "segment_layout.hpp"

namespace jobctl {
namespace {

// Takes the job for this worker, unless it was stopped or finished first.
bool claim(Repository& repository, JobId id) {
    ProcessIdentity self = ProcessIdentity::self();
    bool claimed = false;
    repository.update(id, [&](detail::JobSlot& slot) {
        if (is_terminal(static_cast<JobState>(slot.state))) return false;
        if (slot.stop_requested) {
            slot.state = static_cast<std::uint8_t>(JobState::stopped);
            slot.ended_ns = detail::now_ns();
            detail::copy_truncated(slot.reason, "stopped before it started");
            return true;
        }
        slot.owner_pid = self.pid;
        slot.owner_start_time = self.start_time;
        slot.owner_claimed = 1;
        claimed = true;
        return true;
    });
    return claimed;
}

// Blocked since before exec (see process_launch.cpp); read here instead.
int stop_signal_fd() {
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, signal);
    sigprocmask(SIG_BLOCK, &signals, nullptr);
    return ::signalfd(-1, &signals, SFD_CLOEXEC | SFD_NONBLOCK);
}

}  // namespace

int run_process_job(Repository& repository, JobId id, const std::vector<std::string>& argv) {
    int signal_fd = stop_signal_fd();
    try {
        if (claim(repository, id)) detail::CommandRun(repository, id, signal_fd).run(argv);
        return 0;
    } catch (const std::exception& error) {
        // Record why, rather than leave the job to be found "worker lost".
        detail::finish_job(repository, id, JobState::failed, std::string("worker error: ") + error.what(),
                           std::nullopt, 0);
        if (auto job = repository.find(id); job && job->process_id > 0) ::killpg(job->process_id, SIGKILL);
        return 1;
    }
}

}  // namespace jobctl
