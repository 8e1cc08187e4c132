#pragma once
// A job's command run to its end, attempt after attempt (RetryPolicy):
// each a CommandRun; after a failed one, `failed` (a worker passes its
// queue's turn on: the job is out of line until its next attempt), then
// the delay (a stop cuts it short and ends the job Stopped), then
// `ready_again`, which makes the job Running again (a queued worker takes
// its queue's turn again; others are unblocked) or says it has ended.

#include <functional>
#include <string>
#include <vector>

#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/command_run.hpp"

namespace jobctl::detail {

// `resume_attempt`: the first is attempt N, which a lost worker ran, taken
// over (CommandRun::resume); 0: attempt 1, run from its start.
void run_attempts(Repository& repository, JobId id, ControlFds fds, const RunOptions& run,
                  const std::vector<std::string>& argv, const std::function<bool()>& ready_again,
                  const std::function<void()>& failed = nullptr, unsigned resume_attempt = 0);

// `ready_again` for a job without a queue: Blocked back to Running, unless
// a stop came first (then it ends Stopped).
bool unblock_for_next_attempt(Repository& repository, JobId id);

}  // namespace jobctl::detail
