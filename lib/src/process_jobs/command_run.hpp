#pragma once
// Runs one job's command to its end: spawns it (own process group), pumps
// its stdout and stderr into the job's output log, stops it on request or
// at its time limit (SIGTERM to every process of the job, SIGKILL after the
// grace period), suspends and resumes it on request (SIGSTOP, SIGCONT to
// every process) and records the outcome in the job's slot. Used by
// jobctl-worker (requests arrive on signalfds) and by `foreach` children on
// a thread pool (on eventfds).
//
// Where the system lets it make one, the command runs in a cgroup of its
// own ("cgroup" containment, system/job_cgroup.hpp): its processes are the
// cgroup's, a stop ends with cgroup.kill, a suspend freezes the cgroup, and
// the run ends when the cgroup is empty. Elsewhere ("session"
// containment, docs/reliability.md) they are found by their parent links,
// whatever process group or session they moved to: in the worker, a child
// subreaper, every process below it (orphans land on it), and the run ends
// when none is left; in a foreach host, which runs many commands, every
// process below the command, and those seen below it before that have
// been re-parented since. Each is signalled through a pidfd checked
// against its start time: a reused pid is never hit.

#include <signal.h>
#include <sys/resource.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "output/capped_output_log.hpp"
#include "ssh/relay_frames.hpp"
#include "system/file_descriptor.hpp"
#include "system/job_cgroup.hpp"
#include "system/process_tree.hpp"

namespace jobctl::detail {

// What wakes a run: drained when readable, never closed.
struct ControlFds {
    int stop = -1;     // readable: stop the job
    int suspend = -1;  // readable: look at the job's suspend flag (suspend or resume)
    // The worker only: readable when a child of this process exited. Set
    // where this process is a child subreaper that runs nothing but this
    // command: then every process below it is the job's, and the orphans
    // that land on it are reaped here.
    int child_exit = -1;
};

// A job on another host: what its run knows of the remote side, kept
// across the connections of the durable mode (ssh/relay_frames.hpp).
struct RemoteState {
    std::optional<RelayDecoder> decoder;  // this connection's reader of ssh's stdout
    bool relay = false;                   // a jobctl there runs the command as its job
    bool resumed = false;  // a lost worker's run taken over: never the wrapper, whatever the note said
    std::string name;      // that job's name, until it says its id
    std::uint64_t log_offset = 0;  // the log's size here when the relay answered (RemoteNote)
    JobId job = 0;                 // its id there
    std::uint64_t received = 0;    // bytes of its output here
    std::optional<std::chrono::milliseconds> stop;  // said again on each connection until it ends
    std::optional<RemoteOutcome> outcome;
    std::string failure;   // why the run cannot follow it further
    std::string errors;    // the end of ssh's stderr: the relay's or ssh's own last words
    unsigned lost = 0;     // connections lost in a row, since one brought anything
    unsigned missing = 0;  // connections that found no jobctl there (jobctl-missing)
};

class CommandRun {
public:
    // `run` says how the command runs (its working folder, environment,
    // stdin, time limit and retries); `attempt`: which one this is (from 1).
    CommandRun(Repository& repository, JobId id, ControlFds fds, RunOptions run = {}, unsigned attempt = 1);
    ~CommandRun();
    CommandRun(const CommandRun&) = delete;
    CommandRun& operator=(const CommandRun&) = delete;

    void run(const std::vector<std::string>& argv);
    // A job on another host, in the durable mode, whose worker was lost:
    // follows the job there on from the bytes here (ssh_resume.hpp), with
    // a stop or the time limit that came meanwhile.
    void resume(const std::vector<std::string>& argv);
    // After run: the attempt failed and is to be tried again after this
    // long (the job is Blocked, saying so); nothing when the job has ended.
    std::optional<std::chrono::milliseconds> retry_delay() const { return retry_delay_; }

private:
    bool spawn(const std::vector<std::string>& argv);
    // A job on another host: the ssh command line of the next connection.
    std::vector<std::string> ssh_argv(const std::vector<std::string>& command, FileDescriptor& wrapper_stdin);
    std::string relay_request();
    // Runs the command (or one connection's ssh) until it has exited and
    // left nothing; reaps it.
    siginfo_t follow_to_exit();
    // After the first connection or command: follows the job there across
    // lost connections, then records the outcome.
    void finish_run(const std::vector<std::string>& argv, std::optional<siginfo_t> status);
    // The durable mode: whether the run connects again after this exit,
    // waits until it is time (false: it gave up), and connects.
    bool connection_lost(const siginfo_t& status);
    bool wait_to_reconnect();
    bool reconnect(const std::vector<std::string>& command);
    void pump(FileDescriptor& fd, OutputStream stream);
    void pump_remote(FileDescriptor& fd, OutputStream stream);
    void on_remote_output(OutputStream stream, std::string_view bytes);
    void on_relay_frame(RelayFrameKind kind, std::string_view bytes);
    void give_up_on_host();
    void on_remote_mode(RemoteMode mode);
    // Notes which side the run found there, for `get` and for a worker that takes over (ssh_run.hpp).
    void note_remote(const std::string& mode);
    // The job that would be its job there (not a relay's, nor a new worker's: every one of them).
    bool follows_remote_job() const { return remote_.relay || remote_.resumed; }
    // "its job N there", or what is known of it.
    std::string remote_job_text() const;
    void publish(std::uint64_t size);
    void on_stop_request();
    void on_time_limit();
    void begin_stop(std::chrono::milliseconds grace);
    void on_suspend_request();
    void suspend();
    void resume();
    void check_suspended();
    void on_deadlines();
    std::vector<TreeProcess> processes();
    bool processes_left();  // besides the command, which has exited
    void on_cgroup_event();
    std::size_t signal_all(int signal);
    bool kill_all();  // true if some process outlived every round
    void reap_orphans();
    void count_resources(const rusage& usage);
    std::string limit(const CgroupLimits& limits);
    void count_cgroup_resources();
    void release_cgroup();
    struct Ending {
        JobState state = JobState::completed;
        std::string reason;
        std::optional<int> exit_code;
        int term_signal = 0;
    };
    Ending ending_of(const siginfo_t& status) const;
    Ending remote_ending() const;
    void record_outcome(Ending ending);
    bool retry_after(const std::string& reason, std::optional<int> exit_code);
    int poll_timeout_ms() const;

    Repository& repository_;
    JobId id_;
    JobId parent_id_ = 0;
    ControlFds fds_;
    RunOptions run_;
    unsigned attempt_;
    std::optional<std::chrono::milliseconds> retry_delay_;
    CappedOutputLog log_;               // capped as run_.max_output, or the repository, says
    std::uint64_t published_size_ = 0;  // the log's size as the slot last heard it
    std::unique_ptr<char[]> buffer_;    // uninitialised: pages are touched only by reads

    std::optional<JobCgroup> cgroup_;  // none: session containment
    bool out_of_memory_ = false;       // its memory limit made the kernel kill a process of it
    pid_t child_ = -1;
    bool reaped_ = false;
    // What the command and the orphans reaped here used (wait4's rusage).
    ResourceUse resources_;
    // Every process of the job seen so far (foreach hosts: those below the
    // command when last looked at, which may have been re-parented since).
    std::vector<TreeProcess> known_;
    FileDescriptor out_fd_;  // read ends of the command's pipes; empty once at their end
    FileDescriptor err_fd_;
    FileDescriptor pidfd_;
    FileDescriptor ssh_control_;  // a job on another host: the line to its wrapper or relay (ssh_run.hpp)
    RemoteState remote_;
    bool stopping_ = false;
    bool stop_asked_ = false;  // a stop was requested: one more kills at once
    bool timed_out_ = false;
    std::optional<std::chrono::steady_clock::time_point> kill_deadline_;
    // Over ssh, once ssh has exited: when the output pipes are let go.
    std::optional<std::chrono::steady_clock::time_point> output_deadline_;
    // The durable mode, a stop asked twice: when the host is given up on
    // unless the end has come by then.
    std::optional<std::chrono::steady_clock::time_point> give_up_at_;
    // Time limit: the moment it is reached, while the command runs. While
    // suspended it is put off by as long as the suspension lasts.
    std::optional<std::chrono::steady_clock::time_point> time_limit_at_;
    // Suspension: SIGSTOP sent and no SIGCONT since; `suspend_confirmed_`
    // once every process of the job was seen stopped (state Suspended).
    // Until then the processes are looked at again at `next_stop_check_`, less
    // and less often (a process in uninterruptible sleep stops late).
    bool suspended_ = false;
    bool suspend_confirmed_ = false;
    std::chrono::steady_clock::time_point suspended_since_;
    std::chrono::steady_clock::time_point next_stop_check_;
    std::chrono::milliseconds stop_check_delay_{0};
};

// Records a finished job's outcome.
void finish_job(Repository& repository, JobId id, JobState state, const std::string& reason,
                std::optional<int> exit_code, int term_signal,
                std::optional<ResourceUse> resources = std::nullopt);

}  // namespace jobctl::detail
