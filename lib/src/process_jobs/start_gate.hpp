#pragma once
// The worker's wait before it runs its command (the job is Blocked): first
// for the jobs it runs after, then for its turn in its queue. No daemon
// decides: the worker sleeps on the repository's state counter while it
// waits for jobs to finish, and in its queue on a signalfd woken only by
// whoever frees or passes on a turn, plus pidfds of the workers its turn
// depends on (so that a killed one is noticed at once).

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

enum class GateOutcome {
    run,   // the job is Running: start the command
    ended  // the job ended here (Failed: a dependency; Stopped: asked to), or is gone
};

// `stop_fd` is the worker's stop signalfd: a stop that arrives while the
// job waits in its queue ends it Stopped without running.
GateOutcome wait_at_start_gate(Repository& repository, JobId id, const StartConditions& when, int stop_fd);

}  // namespace jobctl::detail
