#pragma once
// The command line of jobctl-worker, written by the launcher and read by the
// worker: the job, how its command runs and when it may start.
//   jobctl-worker --repository NAME --job ID [--cwd DIR] [--env NAME=VALUE]...
//                 [--clear-env 1] [--stdin FILE] [--timeout-ms N] [--memory-max BYTES]
//                 [--cpu-max-micros PER_SECOND] [--pids-max N]
//                 [--after ID]... [--after-any-outcome 1] [--queue NAME] -- COMMAND [ARGS...]

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"

namespace jobctl::detail {

// What jobctl-worker prints when its arguments are not a worker's, and the
// synopsis of its man page.
inline constexpr std::string_view kWorkerUsage =
    "jobctl-worker --repository NAME --job ID [OPTION VALUE]... -- COMMAND [ARGS...]";
inline constexpr std::string_view kWorkerSummary =
    "Runs one process job of a jobctl repository; started by 'jobctl start'.";

struct WorkerArguments {
    std::string repository;
    JobId job = 0;
    RunOptions run;
    StartConditions start_when;
    std::vector<std::string> command;
};

// argv[0] is the worker's path.
std::vector<std::string> to_worker_argv(const std::string& worker, const WorkerArguments& arguments);

// Empty when the arguments are not a worker's.
std::optional<WorkerArguments> parse_worker_argv(int argc, const char* const* argv);

}  // namespace jobctl::detail
