#pragma once
// Starting a jobctl-worker process: its own session, default signal
// actions, the worker's signals blocked until it reads them, stdin, stdout
// and stderr on /dev/null (stdin kept if asked), no other descriptor.

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"

namespace jobctl::detail {

// `arguments[0]` is the worker's path. A caller that exits right after
// (`caller_exits_soon`) gets the worker as its direct child (one fork; the
// caller does not wait for the worker's exec); any other caller a detached grandchild (double fork), so that
// it never has a zombie to reap. Returns the worker's pid. Errors: system (the fork failed).
pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin);

// A worker started before its job is registered, which reads the job's id
// from descriptor 3 once it runs (WorkerArguments::job_fd): so the job is
// registered once, its owner already the worker (one lock round, no
// hand-over), and the caller need not wait for the worker's exec. The
// worker execs at once: told its job by assign() while it loads, it never
// has to be woken, which on a busy machine would let it take the caller's
// processor.
class WorkerAwaitingJob {
public:
    // As start_worker; `arguments` has "--job-fd 3"; `environment`: the
    // worker's, else ours (NAME=VALUE each, as exec takes them, never on
    // its command line). Errors: system (the fork failed).
    WorkerAwaitingJob(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                      bool caller_exits_soon, bool keep_stdin,
                      std::vector<std::string>* environment = nullptr);
    // Never assigned: the worker exits without running anything.
    ~WorkerAwaitingJob();
    WorkerAwaitingJob(const WorkerAwaitingJob&) = delete;
    WorkerAwaitingJob& operator=(const WorkerAwaitingJob&) = delete;

    const ProcessIdentity& identity() const { return identity_; }
    // Tells the worker its job.
    void assign(JobId id);

private:
    void reap();

    bool direct_child_;
    pid_t pid_ = -1;
    FileDescriptor job_;
    ProcessIdentity identity_;
};

// In the worker: the job assign() gave, read from `fd` (then closed);
// nullopt if the launcher gave up (it registered nothing).
std::optional<JobId> read_assigned_job(int fd);

// start_process_job's work, for every job a worker runs: one here, or one
// on another host (RunOptions::ssh_host, from start_ssh_job).
JobInfo start_worker_job(Repository& repository, const ProcessJobSpec& spec,
                         const std::filesystem::path& worker_path);

}  // namespace jobctl::detail
