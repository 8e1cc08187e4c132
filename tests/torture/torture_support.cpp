#include "torture_support.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>
#include <thread>

#include "cli_runner.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_history.hpp"
#include "jobctl/job_waiting.hpp"
#include "output/output_log.hpp"
#include "repository_test.hpp"
#include "system/namespaces.hpp"
#include "system/pidfd.hpp"
#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

extern char** environ;

namespace jobctl::torture {
namespace {

using SteadyClock = std::chrono::steady_clock;

int milliseconds_until(SteadyClock::time_point deadline) {
    auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - SteadyClock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

std::int64_t ns_of(const std::optional<Clock::time_point>& time) {
    return time ? std::chrono::duration_cast<std::chrono::nanoseconds>(time->time_since_epoch()).count() : 0;
}

bool starts_with(const std::string& text, const std::string& prefix) {
    return text.compare(0, prefix.size(), prefix) == 0 && text.size() >= prefix.size();
}

// The environment of a child: ours, PATH with the build's bin folder first,
// plus `extra` (NAME=VALUE, replacing ours).
std::vector<std::string> child_environment(const std::vector<std::string>& extra) {
    std::vector<std::string> result;
    auto name_of = [](const std::string& entry) { return entry.substr(0, entry.find('=')); };
    std::vector<std::string> overridden{"PATH"};
    for (const std::string& entry : extra) overridden.push_back(name_of(entry));
    for (char** entry = environ; *entry != nullptr; ++entry)
        if (std::ranges::find(overridden, name_of(*entry)) == overridden.end()) result.emplace_back(*entry);
    const char* path = std::getenv("PATH");
    result.push_back("PATH=" + test::bin_dir() + ":" + (path != nullptr ? path : "/usr/bin:/bin"));
    result.insert(result.end(), extra.begin(), extra.end());
    return result;
}

constexpr const char* kPrintingScript =
    "i=0\n"
    "while [ \"$i\" -lt \"$2\" ]; do echo \"$1 line $i: the quick brown fox jumps over the lazy dog\"; "
    "i=$((i+1)); done\n"
    "echo \"$1 on stderr\" >&2\n"
    "[ -z \"$3\" ] || sleep \"$3\"\n"
    "echo \"$1 end\"\n";

}  // namespace

int count_from_environment(const char* variable, int fallback) {
    const char* text = std::getenv(variable);
    if (text == nullptr || *text == '\0') return fallback;
    int value = std::atoi(text);
    return value > 0 ? value : fallback;
}

std::uint64_t seed_from_environment() {
    if (const char* text = std::getenv("JOBCTL_TORTURE_SEED"); text != nullptr && *text != '\0')
        return std::strtoull(text, nullptr, 10);
    return std::random_device{}();
}

void report_line(const std::string& line) {
    std::printf("%s\n", line.c_str());
    std::fflush(stdout);
    if (const char* path = std::getenv("JOBCTL_TORTURE_REPORT"); path != nullptr && *path != '\0')
        if (FILE* file = std::fopen(path, "a")) {
            std::fprintf(file, "%s\n", line.c_str());
            std::fclose(file);
        }
}

// --- Child -----------------------------------------------------------------

Child::Child(std::vector<std::string> args, const std::vector<std::string>& extra_environment,
             bool capture_output) {
    if (!args.empty() && (args[0] == "jobctl" || args[0] == "jobctl-worker"))
        args[0] = test::bin_dir() + "/" + args[0];
    std::vector<std::string> environment = child_environment(extra_environment);
    std::vector<char*> argv, envp;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    for (std::string& entry : environment) envp.push_back(entry.data());
    envp.push_back(nullptr);
    int out[2] = {-1, -1}, err[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    if (capture_output) {
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
    } else {
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    }
    pid_t pid = -1;
    int error = ::posix_spawnp(&pid, argv[0], &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (capture_output) {
        ::close(out[1]);
        ::close(err[1]);
        out_fd_.reset(out[0]);
        err_fd_.reset(err[0]);
    }
    if (error != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(error));
    adopt(pid);
}

Child::Child(Child&& other) noexcept
    : pid_(other.pid_),
      pidfd_(std::move(other.pidfd_)),
      out_fd_(std::move(other.out_fd_)),
      err_fd_(std::move(other.err_fd_)),
      out_(std::move(other.out_)),
      err_(std::move(other.err_)) {
    other.pid_ = -1;
}

Child::~Child() {
    if (pid_ > 0) {
        kill();
        finish();
    }
}

void Child::adopt(pid_t pid) {
    if (pid < 0) throw std::runtime_error("fork failed");
    pid_ = pid;
    pidfd_ = detail::open_pidfd(pid);  // our unreaped child: the pid is surely it
}

bool Child::exited() const {
    pollfd exit_fd{pidfd_.get(), POLLIN, 0};
    return ::poll(&exit_fd, 1, 0) == 1;
}

void Child::kill() const {
    if (pid_ > 0) ::syscall(SYS_pidfd_send_signal, pidfd_.get(), SIGKILL, nullptr, 0);
}

void Child::read_output(SteadyClock::time_point deadline) {
    char buffer[65536];
    while (out_fd_ || err_fd_) {
        pollfd fds[2] = {{out_fd_ ? out_fd_.get() : -1, POLLIN, 0},
                         {err_fd_ ? err_fd_.get() : -1, POLLIN, 0}};
        int ready = ::poll(fds, 2, milliseconds_until(deadline));
        if (ready == 0) return;  // out of time
        if (ready < 0 && errno != EINTR) return;
        for (int i = 0; i < 2; ++i) {
            if (fds[i].revents == 0) continue;
            detail::FileDescriptor& fd = i == 0 ? out_fd_ : err_fd_;
            ssize_t got = ::read(fd.get(), buffer, sizeof buffer);
            if (got > 0)
                (i == 0 ? out_ : err_).append(buffer, static_cast<std::size_t>(got));
            else if (got == 0 || errno != EINTR)
                fd.reset();
        }
    }
}

int Child::finish() {
    read_output(SteadyClock::time_point::max());
    int status = 0;
    while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::optional<int> Child::finish_within(std::chrono::milliseconds limit) {
    auto deadline = SteadyClock::now() + limit;
    read_output(deadline);
    pollfd exit_fd{pidfd_.get(), POLLIN, 0};
    if (::poll(&exit_fd, 1, milliseconds_until(deadline)) != 1) {
        kill();
        out_fd_.reset();
        err_fd_.reset();
        finish();
        return std::nullopt;
    }
    return finish();
}

// --- PauseReports ------------------------------------------------------------

PauseReports::PauseReports(const std::string& directory) : path_(directory + "/pause.fifo") {
    ::unlink(path_.c_str());
    if (::mkfifo(path_.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + path_);
    // Read-write: never blocks, and never reads end-of-file between writers.
    fd_.reset(::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC));
    if (!fd_) throw std::runtime_error("open " + path_);
}

PauseReports::~PauseReports() {
    ::unlink(path_.c_str());
}

std::string PauseReports::environment(const std::string& program, const std::string& point,
                                      unsigned count) const {
    return "JOBCTL_TEST_PAUSE=" + program + ":" + point + ":" + std::to_string(count) + ":" + path_;
}

pid_t PauseReports::wait(int other, std::chrono::milliseconds limit) {
    auto deadline = SteadyClock::now() + limit;
    for (;;) {
        if (auto newline = pending_.find('\n'); newline != std::string::npos) {
            pid_t pid = static_cast<pid_t>(std::atoi(pending_.substr(0, newline).c_str()));
            pending_.erase(0, newline + 1);
            return pid;
        }
        pollfd fds[2] = {{fd_.get(), POLLIN, 0}, {other, POLLIN, 0}};
        int ready = ::poll(fds, other >= 0 ? 2 : 1, milliseconds_until(deadline));
        if (ready == 0) return -1;
        if (ready < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (fds[0].revents != 0) {
            char buffer[256];
            ssize_t got = ::read(fd_.get(), buffer, sizeof buffer);
            if (got > 0) pending_.append(buffer, static_cast<std::size_t>(got));
            continue;
        }
        if (fds[1].revents != 0) return 0;
    }
}

// --- Faults ------------------------------------------------------------------

const char* fault_name(Fault fault) {
    switch (fault) {
        case Fault::lock_acquired:
            return "lock_acquired";
        case Fault::slot_half_written:
            return "slot_half_written";
        case Fault::before_unlock:
            return "before_unlock";
        case Fault::random_time:
            return "random_time";
    }
    return "?";
}

testing::CrashPoint crash_point_of(Fault fault) {
    switch (fault) {
        case Fault::slot_half_written:
            return testing::CrashPoint::slot_half_written;
        case Fault::before_unlock:
            return testing::CrashPoint::before_unlock;
        default:
            return testing::CrashPoint::lock_acquired;
    }
}

FaultPlanner::FaultPlanner(std::mt19937_64& random, std::chrono::microseconds typical_duration)
    : random_(random), typical_(std::max(typical_duration, std::chrono::microseconds(200))) {
    for (Fault fault : {Fault::lock_acquired, Fault::slot_half_written, Fault::before_unlock})
        limit_[fault] = 4;
}

FaultPlan FaultPlanner::next(bool random_time_only) {
    FaultPlan plan;
    unsigned draw = random_time_only ? 99 : std::uniform_int_distribution<unsigned>(0, 99)(random_);
    plan.fault = draw < 30   ? Fault::lock_acquired
                 : draw < 50 ? Fault::slot_half_written
                 : draw < 65 ? Fault::before_unlock
                             : Fault::random_time;
    if (plan.fault == Fault::random_time) {
        auto range = typical_.count() * 5 / 4;
        plan.delay =
            std::chrono::microseconds(std::uniform_int_distribution<std::int64_t>(0, range)(random_));
    } else {
        plan.count = std::uniform_int_distribution<unsigned>(1, limit_[plan.fault])(random_);
    }
    ++planned_[plan.fault];
    return plan;
}

void FaultPlanner::landed(const FaultPlan& plan, bool landed) {
    if (landed) ++hit_[plan.fault];
    if (plan.fault == Fault::random_time) {
        // Follow how long the process really runs: a kill that came too late
        // narrows the range of the moments, one that landed widens it.
        auto scaled = typical_.count() * (landed ? 21 : 17) / 20;
        typical_ = std::chrono::microseconds(std::max<std::int64_t>(scaled, 200));
        return;
    }
    unsigned& limit = limit_[plan.fault];
    // Follow the number of times the process reaches the point: deeper
    // while the kills land near the end of the range, shallower when not.
    if (landed) {
        deepest_[plan.fault] = std::max(deepest_[plan.fault], plan.count);
        if (plan.count + 1 >= limit) limit = limit * 3 / 2 + 2;
    } else {
        limit = std::max(2u, plan.count - 1);
    }
}

int FaultPlanner::landed_in_lock() const {
    int total = 0;
    for (auto [fault, hits] : hit_)
        if (fault != Fault::random_time) total += hits;
    return total;
}

std::string FaultPlanner::summary() const {
    std::string text;
    for (Fault fault :
         {Fault::lock_acquired, Fault::slot_half_written, Fault::before_unlock, Fault::random_time}) {
        auto planned = planned_.find(fault);
        auto hit = hit_.find(fault);
        text += std::string(text.empty() ? "" : ", ") + fault_name(fault) + " " +
                std::to_string(hit == hit_.end() ? 0 : hit->second) + "/" +
                std::to_string(planned == planned_.end() ? 0 : planned->second);
        if (auto deepest = deepest_.find(fault); deepest != deepest_.end())
            text += " (deepest #" + std::to_string(deepest->second) + ")";
    }
    return text + " (random moments within " + std::to_string(typical_.count() * 5 / 4) + " us at the end)";
}

bool kill_and_wait(pid_t pid, std::uint64_t start_time) {
    detail::FileDescriptor exits = detail::open_pidfd(pid);
    if (!exits) return false;
    if (start_time != 0 && !ProcessIdentity{pid, start_time, detail::own_pid_namespace()}.alive())
        return false;
    if (::syscall(SYS_pidfd_send_signal, exits.get(), SIGKILL, nullptr, 0) != 0) return false;
    pollfd exited{exits.get(), POLLIN, 0};
    if (::poll(&exited, 1, 10000) != 1) ADD_FAILURE() << "process " << pid << " survived SIGKILL for 10 s";
    return true;
}

bool strike(Child& child, PauseReports& reports, const FaultPlan& plan, std::chrono::milliseconds limit) {
    if (plan.fault == Fault::random_time) {
        // The moment of the fault, chosen at random: not a synchronisation.
        std::this_thread::sleep_for(plan.delay);
        if (child.exited()) return false;
        child.kill();
        return true;
    }
    pid_t paused = reports.wait(child.pidfd(), limit);
    if (paused < 0) {
        ADD_FAILURE() << "the process neither paused at " << fault_name(plan.fault) << " #" << plan.count
                      << " nor ended within " << limit.count() << " ms";
        child.kill();
        return false;
    }
    if (paused == 0) return false;
    kill_and_wait(paused);  // stopped, holding the lock
    return true;
}

// --- Jobs and their output -----------------------------------------------------

std::vector<std::string> printing_command(const std::string& tag, int lines, const std::string& sleep) {
    return {"sh", "-c", kPrintingScript, "sh", tag, std::to_string(lines), sleep};
}

std::vector<std::string> printing_command_for_foreach(int lines, const std::string& sleep) {
    return printing_command("{}", lines, sleep);
}

Expected printing_output(const std::string& tag, int lines) {
    Expected expected;
    for (int i = 0; i < lines; ++i)
        expected.out +=
            tag + " line " + std::to_string(i) + ": the quick brown fox jumps over the lazy dog\n";
    expected.out += tag + " end\n";
    expected.err = tag + " on stderr\n";
    return expected;
}

bool wait_for_job_processes_gone(pid_t group, std::uint64_t group_start, std::chrono::milliseconds limit) {
    if (group <= 0) return true;
    auto deadline = SteadyClock::now() + limit;
    for (;;) {
        test::reap_exited_children();  // orphans land with us, the subreaper
        // A live process that has the group's id with another start time took
        // the id over: processes as old as it or younger are not the job's.
        std::uint64_t taken_over = std::numeric_limits<std::uint64_t>::max();
        if (auto leader = detail::read_stat(group); leader && leader->start_time != group_start)
            taken_over = leader->start_time;
        std::vector<pollfd> exits;
        if (DIR* proc = ::opendir("/proc")) {
            while (dirent* entry = ::readdir(proc)) {
                pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
                if (pid <= 0) continue;
                auto stat = detail::read_stat(pid);
                if (!stat || stat->state == 'Z' || stat->state == 'X' || stat->group != group ||
                    stat->start_time < group_start || stat->start_time >= taken_over)
                    continue;
                detail::FileDescriptor fd = detail::open_pidfd(pid);
                if (fd) exits.push_back({fd.release(), POLLIN, 0});
            }
            ::closedir(proc);
        }
        if (exits.empty()) return true;
        int left = milliseconds_until(deadline);
        if (left == 0) {
            for (const pollfd& fd : exits) ::close(fd.fd);
            return false;
        }
        ::poll(exits.data(), exits.size(), std::min(left, 1000));
        for (const pollfd& fd : exits) ::close(fd.fd);
    }
}

Expected read_output(Repository& repository, const JobInfo& job) {
    Expected output;
    OutputLogReader reader(detail::table_of(repository).job_directory(job.id));
    reader.read(0, job.output_bytes, [&](OutputStream stream, std::string_view bytes) {
        if (stream == OutputStream::out) output.out.append(bytes);
        if (stream == OutputStream::err) output.err.append(bytes);
    });
    return output;
}

// Running, Suspending and Suspended go back and forth (suspend, resume);
// NotStarted and Blocked both come before them.
int state_rank(JobState state) {
    switch (state) {
        case JobState::not_started:
        case JobState::blocked:
            return 0;
        case JobState::running:
        case JobState::suspending:
        case JobState::suspended:
            return 1;
        case JobState::stopping:
            return 2;
        default:
            return 3;
    }
}

bool went_backwards(const JobInfo& job, JobState seen) {
    // A failed attempt with another to come: Blocked until it (retries).
    bool between_attempts =
        job.attempts_allowed > 0 && job.state == JobState::blocked && state_rank(seen) == 1;
    return (state_rank(job.state) < state_rank(seen) && !between_attempts) ||
           (is_terminal(seen) && job.state != seen);
}

// --- Bystanders -----------------------------------------------------------------

Bystanders::Bystanders() {
    for (bool own_session : {true, false}) {
        pid_t pid = ::fork();
        if (pid == 0) {
            if (own_session) ::setsid();
            ::execlp("sleep", "sleep", "100000", nullptr);
            ::_exit(127);
        }
        if (pid > 0) {
            pids_.push_back(pid);
            exits_.push_back(detail::open_pidfd(pid));  // readable once it has ended, reaped or not
        }
    }
}

Bystanders::~Bystanders() {
    for (pid_t pid : pids_) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
    }
}

void Bystanders::check_alive(const std::string& when) const {
    for (std::size_t i = 0; i < pids_.size(); ++i) {
        pollfd ended{exits_[i].get(), POLLIN, 0};
        if (!exits_[i] || ::poll(&ended, 1, 0) != 0)
            ADD_FAILURE() << when << ": bystander " << pids_[i] << ", which jobctl did not start, has ended";
    }
}

// --- TableModel ------------------------------------------------------------------

void TableModel::expect(const std::string& job_name, Expected expected) {
    expected_[job_name] = std::move(expected);
}

std::vector<JobInfo> TableModel::observe(Repository& repository, const std::string& when) {
    std::vector<JobInfo> jobs = repository.list();
    std::set<JobId> present;
    JobId highest_before = highest_seen_;
    for (const JobInfo& job : jobs) {
        if (!present.insert(job.id).second)
            ADD_FAILURE() << when << ": id " << job.id << " is in the table twice";
        if (removed_.contains(job.id))
            ADD_FAILURE() << when << ": id " << job.id << " came back after removal";
        auto it = seen_.find(job.id);
        if (it == seen_.end()) {
            if (job.id <= highest_before)
                ADD_FAILURE() << when << ": new job " << job.id << " (" << job.name
                              << ") has an id not above the highest seen before, " << highest_before;
            seen_[job.id] = {ns_of(job.created), job.state, job.name};
            highest_seen_ = std::max(highest_seen_, job.id);
            continue;
        }
        Seen& seen = it->second;
        if (seen.created_ns != ns_of(job.created) || seen.name != job.name)
            ADD_FAILURE() << when << ": id " << job.id << " was " << seen.name << " and is now " << job.name
                          << ": reused";
        if (went_backwards(job, seen.state))
            ADD_FAILURE() << when << ": job " << job.id << " (" << job.name << ") went from "
                          << to_string(seen.state) << " back to " << to_string(job.state);
        seen.state = job.state;
    }
    // Jobs that left the table were removed: they must never come back.
    for (auto it = seen_.begin(); it != seen_.end();) {
        if (!present.contains(it->first)) {
            removed_.insert(it->first);
            it = seen_.erase(it);
        } else {
            ++it;
        }
    }
    return jobs;
}

void TableModel::check_after_fault(Repository& repository, const std::string& when,
                                   std::chrono::seconds settle) {
    bystanders_.check_alive(when);
    // Anyone can still use the repository at once.
    Child get({"jobctl", "get", "--json", "--include-children"}, {}, true);
    std::optional<int> code = get.finish_within(std::chrono::seconds(1));
    if (!code)
        ADD_FAILURE() << when << ": jobctl get did not answer within a second";
    else
        EXPECT_EQ(*code, 0) << when << ": jobctl get: " << get.err();
    // Once someone has looked, no unfinished job has a dead owner.
    std::vector<JobId> unfinished;
    for (const JobInfo& job : observe(repository, when + ", after a look")) {
        if (job.finished()) continue;
        unfinished.push_back(job.id);
        if (job.owner_pid == 0 ||
            ProcessIdentity{job.owner_pid, job.owner_start_time, job.owner_pid_namespace}.alive())
            continue;
        // The owner may have finished the job and exited since the listing,
        // or died after the look (a worker whose launcher was killed before
        // it sent the job's id reads EOF, then exits): look once more, now
        // that it is dead. Only a job still unfinished under that same dead
        // owner after that look is one a look missed.
        Child again({"jobctl", "get", "--include-children"}, {}, false);
        again.finish_within(std::chrono::seconds(5));
        auto now = repository.find(job.id);
        if (now && !now->finished() && now->owner_pid == job.owner_pid &&
            now->owner_start_time == job.owner_start_time)
            ADD_FAILURE() << when << ": job " << job.id << " (" << job.name << ") is "
                          << to_string(now->state) << " although its owner " << job.owner_pid
                          << " is dead and jobctl get looked";
    }
    // Every job ends.
    if (!wait_for_jobs(repository, unfinished, WaitMode::all, deadline_after(settle))) {
        for (const JobInfo& job : repository.list())
            if (!job.finished())
                ADD_FAILURE() << when << ": job " << job.id << " (" << job.name << ") still "
                              << to_string(job.state) << " after " << settle.count() << " s";
    }
    // A job's run ends once, so it has at most one history line for each
    // end (a kill between its end and its line costs the line; one
    // mid-write leaves a damaged line, which readers skip).
    std::set<std::pair<JobId, std::int64_t>> in_history;
    read_history(repository, [&](const HistoryEntry& entry) {
        if (!in_history.insert({entry.job.id, ns_of(entry.job.ended)}).second)
            ADD_FAILURE() << when << ": job " << entry.job.id << " has two history lines for one end";
    });
    // The index says what a scan of the slots says (segment_layout.hpp, "The index").
    if (std::string mismatch = detail::table_of(repository).index_mismatch(); !mismatch.empty())
        ADD_FAILURE() << when << ": the table's index: " << mismatch;
    for (const JobInfo& job : observe(repository, when + ", settled")) {
        ++jobs_checked_;
        if (!job.finished()) continue;
        // No process of a finished job lives on.
        if (job.process_id != 0 &&
            !wait_for_job_processes_gone(job.process_id, job.process_start_time, std::chrono::seconds(10)))
            ADD_FAILURE() << when << ": job " << job.id << " (" << job.name << ") is " << to_string(job.state)
                          << " (" << job.reason << ") but processes of its group " << job.process_id
                          << " are alive";
        // Its output is exact, or a prefix of it when the job did not complete.
        if (unchecked_.contains(job.name)) continue;
        Expected expected;
        if (auto it = expected_.find(job.name); it != expected_.end()) expected = it->second;
        Expected output;
        try {
            output = read_output(repository, job);
        } catch (const std::exception& error) {
            ADD_FAILURE() << when << ": job " << job.id << " (" << job.name << "): " << error.what();
            continue;
        }
        ++outputs_checked_;
        if (job.state == JobState::completed) {
            EXPECT_EQ(output.out, expected.out)
                << when << ": stdout of completed job " << job.id << " (" << job.name << ")";
            EXPECT_EQ(output.err, expected.err)
                << when << ": stderr of completed job " << job.id << " (" << job.name << ")";
        } else {
            EXPECT_TRUE(starts_with(expected.out, output.out))
                << when << ": stdout of " << to_string(job.state) << " job " << job.id << " (" << job.name
                << ", " << job.reason << ") is not a prefix of its output:\n"
                << output.out;
            EXPECT_TRUE(starts_with(expected.err, output.err))
                << when << ": stderr of " << to_string(job.state) << " job " << job.id << " (" << job.name
                << ") is not a prefix of its output:\n"
                << output.err;
        }
    }
}

void TableModel::remove_finished(Repository& repository) {
    // At least one remove even when the trial left nothing finished: a
    // leftover of a killed remove goes with the next remove (and must be gone now).
    JobInfo marker = detail::table_of(repository).add({"", JobType::thread, "marker", 0, 0, 0, true});
    detail::SlotPatch::update(detail::table_of(repository), marker.id, [](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::completed);
        return true;
    });
    for (const JobInfo& job : repository.list()) {
        if (job.parent_id != 0 || !job.finished()) continue;
        try {
            remove_job(repository, job.id);
        } catch (const Error& error) {
            if (error.code() != ErrorCode::job_not_found && error.code() != ErrorCode::job_busy)
                ADD_FAILURE() << "removing job " << job.id << ": " << error.what();
        }
    }
    std::set<JobId> present;
    for (const JobInfo& job : observe(repository, "after removing the finished jobs")) present.insert(job.id);
    // Nothing is left of a removed job: no output folder without its job.
    std::error_code error;
    auto spool = detail::table_of(repository).job_directory(1).parent_path();
    for (const auto& entry : std::filesystem::directory_iterator(spool, error)) {
        std::string name = entry.path().filename().string();
        JobId id = static_cast<JobId>(std::strtoul(name.c_str(), nullptr, 10));
        if (!present.contains(id))
            ADD_FAILURE() << "the output folder " << entry.path() << " outlived its job";
    }
}

}  // namespace jobctl::torture
