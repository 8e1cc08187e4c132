#pragma once
// A job's command run to its end, attempt after attempt (RetryPolicy):
// each a CommandRun; between two, the delay (a stop cuts it short and ends
// the job Stopped), then `ready_again`, which makes the job Running again
// (the worker takes its queue's turn again; a foreach child is simply let
// go) or says it has ended meanwhile.

#include <functional>
#include <string>
#include <vector>

#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/command_run.hpp"

namespace jobctl::detail {

void run_attempts(Repository& repository, JobId id, ControlFds fds, const RunOptions& run,
                  const std::vector<std::string>& argv, const std::function<bool()>& ready_again);

// `ready_again` for a job without a queue: Blocked back to Running, unless
// a stop came first (then it ends Stopped).
bool unblock_for_next_attempt(Repository& repository, JobId id);

}  // namespace jobctl::detail
