#pragma once
// The command line of jobctl-worker, written by the launcher and read by the
// worker: the job, how its command runs and when it may start.
//   jobctl-worker --repository NAME (--job ID | --job-fd FD) [--cwd DIR] [--env NAME=VALUE]...
//                 [--clear-env 1] [--stdin FILE | --stdin-spooled 1] [--timeout-ms N] [--memory-max BYTES]
//                 [--max-output BYTES] [--retries N --retry-delay-ms N --retry-max-delay-ms N
//                 [--retry-on CODE]...]
//                 [--cpu-max-micros PER_SECOND] [--pids-max N] [--ssh-host HOST] [--resume-remote 1]
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
    "jobctl-worker --repository NAME (--job ID | --job-fd FD) [OPTION VALUE]... -- COMMAND [ARGS...]";
inline constexpr std::string_view kWorkerSummary =
    "Runs one process job of a jobctl repository; started by 'jobctl start'.";

struct WorkerArguments {
    std::string repository;
    JobId job = 0;
    // Instead of `job`: the job's id is read from this descriptor, written by
    // the launcher once it has registered the job (WorkerAwaitingJob).
    int job_fd = -1;
    RunOptions run;
    StartConditions start_when;
    std::vector<std::string> command;
    // The command's stdin is the copy in the job's folder (stdin_spool.hpp),
    // written by the launcher before it tells the worker its job.
    bool stdin_spooled = false;
    // A job on another host whose worker was lost (ssh_resume.hpp): this
    // worker, handed the job, follows the job there on from what is here.
    bool resume_remote = false;
};

// argv[0] is the worker's path.
std::vector<std::string> to_worker_argv(const std::string& worker, const WorkerArguments& arguments);

// Empty when the arguments are not a worker's.
std::optional<WorkerArguments> parse_worker_argv(int argc, const char* const* argv);

}  // namespace jobctl::detail
