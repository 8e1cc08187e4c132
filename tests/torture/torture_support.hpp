#pragma once
// What the torture tests share: counts from the environment, programs run
// with a fault armed, the FIFO through which a paused process reports, the
// jobs' known output, and the table model that checks the invariants after
// every fault.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "system/file_descriptor.hpp"
#include "table/crash_points.hpp"

namespace jobctl::torture {

// A count from the environment (JOBCTL_TORTURE_TRIALS, ...), else `fallback`.
int count_from_environment(const char* variable, int fallback);
// JOBCTL_TORTURE_SEED, else a fresh one (printed by the tests, to repeat a run).
std::uint64_t seed_from_environment();
// Appends one line to $JOBCTL_TORTURE_REPORT, if set (scripts/torture.sh
// collects the figures there), and prints it.
void report_line(const std::string& line);

// A program started by the test, with extra environment, its stdout
// captured or not (stdin, stderr: /dev/null, stderr kept when asked).
class Child {
public:
    // args[0] "jobctl" is the build's jobctl.
    Child(std::vector<std::string> args, const std::vector<std::string>& extra_environment,
          bool capture_output);
    // A fork of this process running `body` (which must end with _exit).
    template <class Body>
    static Child fork(Body&& body);
    Child(Child&& other) noexcept;
    Child& operator=(Child&&) = delete;
    ~Child();

    pid_t pid() const { return pid_; }
    int pidfd() const { return pidfd_.get(); }
    bool exited() const;  // without reaping
    void kill() const;
    // Reads the output to its end, reaps; the exit code (128 + signal when killed).
    int finish();
    // As finish, but kills the child if it is not done within `limit`; nullopt then.
    std::optional<int> finish_within(std::chrono::milliseconds limit);
    const std::string& out() const { return out_; }
    const std::string& err() const { return err_; }

private:
    Child() = default;
    void adopt(pid_t pid);
    void read_output(std::chrono::steady_clock::time_point deadline);

    pid_t pid_ = -1;
    detail::FileDescriptor pidfd_;
    detail::FileDescriptor out_fd_;
    detail::FileDescriptor err_fd_;
    std::string out_;
    std::string err_;
};

template <class Body>
Child Child::fork(Body&& body) {
    Child child;
    pid_t pid = ::fork();
    if (pid == 0) body();  // never returns
    child.adopt(pid);
    return child;
}

// The FIFO a paused process writes its pid to (crash_points.hpp).
class PauseReports {
public:
    explicit PauseReports(const std::string& directory);
    ~PauseReports();
    const std::string& path() const { return path_; }
    // JOBCTL_TEST_PAUSE=PROGRAM:POINT:N:FIFO
    std::string environment(const std::string& program, const std::string& point, unsigned count) const;
    // The pid of a process that reported it paused, 0 when `other` became
    // readable first (a pidfd: the process exited), -1 after `limit`.
    pid_t wait(int other, std::chrono::milliseconds limit);

private:
    std::string path_;
    detail::FileDescriptor fd_;
    std::string pending_;
};

// Where a fault strikes: paused at the n-th time a point of the lock is
// reached (then killed there), or killed after a random delay.
enum class Fault { lock_acquired, slot_half_written, before_unlock, random_time };
const char* fault_name(Fault fault);
// The crash point of a fault at a lock point.
testing::CrashPoint crash_point_of(Fault fault);

struct FaultPlan {
    Fault fault = Fault::random_time;
    unsigned count = 1;                 // for the lock points
    std::chrono::microseconds delay{};  // for random_time
};

// Chooses faults and keeps the figures: how many landed where, how many
// came too late (the process had finished).
class FaultPlanner {
public:
    FaultPlanner(std::mt19937_64& random, std::chrono::microseconds typical_duration);
    // A plan; only kills at a random moment when `random_time_only`.
    FaultPlan next(bool random_time_only = false);
    // Outcome of a plan: the kill landed (paused there, or killed while running) or not.
    void landed(const FaultPlan& plan, bool landed);
    std::string summary() const;
    int landed_in_lock() const;

private:
    std::mt19937_64& random_;
    std::chrono::microseconds typical_;
    std::map<Fault, unsigned> limit_;     // n is drawn from [1, limit]
    std::map<Fault, unsigned> deepest_;   // the largest n that landed
    std::map<Fault, int> planned_, hit_;  // figures
};

// Kills the process (if it still is the one with that start time; any with
// that pid when 0) and waits until it is gone: a signal lands asynchronously,
// and the checks that follow must find it dead. False if it was gone already.
bool kill_and_wait(pid_t pid, std::uint64_t start_time = 0);

// Runs `child` under `plan`: waits until it pauses at the planned point and
// kills it there, or kills it after the planned delay. True when the kill
// landed; false when the process finished first. Fails the test when it
// neither paused nor ended within `limit` (a hang).
bool strike(Child& child, PauseReports& reports, const FaultPlan& plan,
            std::chrono::milliseconds limit = std::chrono::seconds(30));

// The known output of a job.
struct Expected {
    std::string out;
    std::string err;
};

// A shell command that prints `lines` numbered lines (tagged) on stdout, one
// on stderr, sleeps `sleep` seconds if given, and prints a last line.
std::vector<std::string> printing_command(const std::string& tag, int lines, const std::string& sleep = "");
// For foreach: the same with "{}" as the tag (the input is the tag).
std::vector<std::string> printing_command_for_foreach(int lines, const std::string& sleep = "");
Expected printing_output(const std::string& tag, int lines);

// A process's jobs: gone, or not, through pidfds (no sleeping), ignoring
// processes that took over a reused group id later.
bool wait_for_job_processes_gone(pid_t group, std::uint64_t group_start, std::chrono::milliseconds limit);

// A job's output log, stream by stream.
Expected read_output(Repository& repository, const JobInfo& job);

// Processes jobctl did not start, which no fault may get signalled: one in
// a session of its own, one in the test's own process group.
class Bystanders {
public:
    Bystanders();
    ~Bystanders();
    Bystanders(const Bystanders&) = delete;
    Bystanders& operator=(const Bystanders&) = delete;
    // Fails the test, naming `when`, for each one that is gone.
    void check_alive(const std::string& when) const;

private:
    std::vector<pid_t> pids_;
    std::vector<detail::FileDescriptor> exits_;  // their pidfds
};

// What the tests know of the table, and the invariants checked against it.
class TableModel {
public:
    // The output a job of this name must have (by name: ids are the table's).
    void expect(const std::string& job_name, Expected expected);
    // A job run again (restart): its output is two runs', not checked.
    void leave_output_unchecked(const std::string& job_name) { unchecked_.insert(job_name); }
    // A look at the raw table (no liveness check): ids unique and never
    // reused, states only forward, ids growing. Failures name `when`.
    std::vector<JobInfo> observe(Repository& repository, const std::string& when);
    // The invariants after a fault: no signal went outside jobctl's own
    // processes (the bystanders live); `jobctl get` answers within a second; no
    // unfinished job has a dead owner once looked at; then, once every job
    // has finished (within `settle`), the table's index agrees with a scan
    // of its slots, no process of a finished job is alive and every job's
    // output is exact (Completed) or a prefix (otherwise).
    void check_after_fault(Repository& repository, const std::string& when,
                           std::chrono::seconds settle = std::chrono::seconds(30));
    // Removes every finished job (with its children) and remembers the ids.
    void remove_finished(Repository& repository);
    int jobs_checked() const { return jobs_checked_; }
    int outputs_checked() const { return outputs_checked_; }

private:
    struct Seen {
        std::int64_t created_ns = 0;
        JobState state = JobState::not_started;
        std::string name;
    };
    std::map<JobId, Seen> seen_;
    std::set<JobId> removed_;
    JobId highest_seen_ = 0;
    std::map<std::string, Expected> expected_;
    Bystanders bystanders_;
    int jobs_checked_ = 0;
    int outputs_checked_ = 0;
    std::set<std::string> unchecked_;  // leave_output_unchecked
};

// How far a state is along NotStarted < Running < Stopping < finished.
int state_rank(JobState state);
// Whether `job`'s state comes before `seen` (its state when last seen): a
// job's states only move forward, but for a job with retries, which is
// Blocked between two attempts.
bool went_backwards(const JobInfo& job, JobState seen);

}  // namespace jobctl::torture
