#include "process_jobs/attempts.hpp"

#include <poll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>

#include "jobctl/error.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

// Sleeps `delay` unless a stop comes first (then false). `stop_fd` is a
// signalfd or an eventfd: what it holds is read, as CommandRun would.
bool wait_out(std::chrono::milliseconds delay, int stop_fd) {
    auto deadline = std::chrono::steady_clock::now() + delay;
    for (;;) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return true;
        pollfd stop{stop_fd, POLLIN, 0};
        int ready = ::poll(&stop, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 60'000)));
        if (ready < 0 && errno != EINTR) throw_system_error("poll", errno);
        if (ready > 0) {
            char drained[sizeof(signalfd_siginfo)];
            while (::read(stop_fd, drained, sizeof drained) > 0) {
            }
            return false;
        }
    }
}

// Ends the job Stopped between two attempts, saying how the last one failed
// (its reason without "; attempt 2 in 5s", which will not come).
void end_stopped_between(Repository& repository, JobId id) {
    std::optional<JobInfo> job = repository.find(id);
    if (!job || job->finished()) return;
    std::string failure = job->reason.substr(0, job->reason.rfind("; attempt "));
    lifecycle_of(repository).finish(id, {JobState::stopped, "stopped between attempts; " + failure});
}

}  // namespace

void run_attempts(Repository& repository, JobId id, ControlFds fds, const RunOptions& run,
                  const std::vector<std::string>& argv, const std::function<bool()>& ready_again,
                  const std::function<void()>& failed, unsigned resume_attempt) {
    for (unsigned attempt = std::max(1u, resume_attempt);; ++attempt) {
        CommandRun command(repository, id, fds, run, attempt);
        if (attempt == resume_attempt)
            command.resume(argv);
        else
            command.run(argv);
        std::optional<std::chrono::milliseconds> delay = command.retry_delay();
        if (!delay) return;
        if (failed) failed();
        if (!wait_out(*delay, fds.stop)) return end_stopped_between(repository, id);
        if (!ready_again()) return;
    }
}

bool unblock_for_next_attempt(Repository& repository, JobId id) {
    if (lifecycle_of(repository).unblock(id)) return true;
    end_stopped_between(repository, id);
    return false;
}

}  // namespace jobctl::detail
