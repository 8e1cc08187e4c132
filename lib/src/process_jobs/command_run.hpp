#pragma once
// Runs one job's command to its end: spawns it (own process group), pumps
// its stdout and stderr into the job's output log, stops it on request
// (SIGTERM to the group, SIGKILL after the grace period) and records the
// outcome in the job's slot. Used by jobctl-worker (stop requests arrive on
// a signalfd) and by `foreach` children on a thread pool (on an eventfd).

#include <signal.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "output/output_log.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

class CommandRun {
public:
    // `stop_fd` becomes readable when the job is to stop; it is drained, not closed.
    // `run` says how the command runs (its working folder, environment,
    // stdin and time limit).
    CommandRun(Repository& repository, JobId id, int stop_fd, RunOptions run = {});
    ~CommandRun();
    CommandRun(const CommandRun&) = delete;
    CommandRun& operator=(const CommandRun&) = delete;

    void run(const std::vector<std::string>& argv);

private:
    bool spawn(const std::vector<std::string>& argv);
    void pump(FileDescriptor& fd, OutputStream stream);
    void on_stop_request();
    void record_outcome(const siginfo_t& status);
    int poll_timeout_ms() const;

    Repository& repository_;
    JobId id_;
    int stop_fd_;
    RunOptions run_;
    OutputLogWriter log_;
    std::uint64_t published_size_ = 0;  // the log's size as the slot last heard it
    std::unique_ptr<char[]> buffer_;    // uninitialised: pages are touched only by reads

    pid_t child_ = -1;
    bool reaped_ = false;
    FileDescriptor out_fd_;  // read ends of the command's pipes; empty once at their end
    FileDescriptor err_fd_;
    FileDescriptor pidfd_;
    bool stopping_ = false;
    std::optional<std::chrono::steady_clock::time_point> kill_deadline_;
};

// Records a finished job's outcome.
void finish_job(Repository& repository, JobId id, JobState state, const std::string& reason,
                std::optional<int> exit_code, int term_signal);

}  // namespace jobctl::detail
