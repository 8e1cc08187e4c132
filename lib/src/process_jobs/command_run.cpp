// One command, run to its end: one poll() over the two output pipes, the
// child's pidfd and the stop, suspend and child-exit descriptors, with a
// timeout for the next deadline (SIGKILL after the grace, the time limit,
// the next look at processes being suspended).

#include "process_jobs/command_run.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstring>
#include <functional>
#include <iterator>
#include <optional>
#include <thread>
#include <unordered_set>
#include <vector>

#include "jobctl/duration_text.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/ssh_job.hpp"
#include "jobs/suspension.hpp"
#include "output/output_log.hpp"
#include "process_jobs/run_options.hpp"
#include "process_jobs/ssh_resume.hpp"
#include "process_jobs/ssh_run.hpp"
#include "system/clock.hpp"
#include "system/command_spawn.hpp"
#include "system/group_stopped.hpp"
#include "system/pidfd.hpp"
#include "system/proc_stat.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/reason_text.hpp"
#include "text/size_text.hpp"

namespace jobctl::detail {
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kReadChunk = 1u << 20;
// How often processes being suspended are looked at: from the first to the
// last, doubling.
constexpr std::chrono::milliseconds kFirstStopCheck{2};
constexpr std::chrono::milliseconds kLastStopCheck{100};
// SIGKILL goes to every process of the job, then to every one listed again
// (one forked between the listing and the signal), until none is left: at
// most this many times (a process that dies slowly, in uninterruptible
// sleep, is listed again each time).
constexpr int kKillRounds = 20;
// A job on another host: how much longer than the grace its ssh is given
// to bring the remote side's end back before it is killed here.
constexpr std::chrono::milliseconds kRemoteStopMargin{10'000};
// How soon the rounds start again when some process outran them.
constexpr std::chrono::milliseconds kKillAgainAfter{50};
// The durable mode: how long after a lost connection the next is tried,
// doubled with each that is lost without bringing anything, up to the last.
constexpr std::chrono::milliseconds kFirstReconnect{1000};
constexpr std::chrono::milliseconds kLastReconnect{30'000};
// How much of ssh's stderr is kept, in the durable mode, to say why it failed.
constexpr std::size_t kKeptErrors = 512;
// How much of the relay's last words a reason quotes.
constexpr std::size_t kShownErrorBytes = 100;
// How many connections of a run taken over before any relay answered may
// find no jobctl there before the run takes the host for one without it.
constexpr unsigned kMissingTries = 5;

bool exited(const TreeProcess& process) {
    return process.state == 'Z' || process.state == 'X';
}

void drain(int fd) {
    char drained[sizeof(signalfd_siginfo)];  // a signalfd record or an eventfd count
    while (::read(fd, drained, sizeof drained) > 0) {
    }
}

std::string signal_name(int signal) {
    const char* abbreviation = ::sigabbrev_np(signal);
    return abbreviation != nullptr ? std::string("SIG") + abbreviation : std::to_string(signal);
}

// A table truncated or replaced under the run (repository_unusable) ends
// what the slot can be told, not the run: the command goes on to its end,
// its output into the log, as if the table were not there. `step` is one
// operation of the job's lifecycle; `lost` what to take when the table is.
template <typename Result>
Result unless_table_lost(Repository& repository, Result lost,
                         const std::function<Result(JobLifecycle&)>& step) {
    try {
        JobLifecycle lifecycle = lifecycle_of(repository);
        return step(lifecycle);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::repository_unusable) throw;
        return lost;
    }
}

// The job as it is now; nothing once the table is lost.
std::optional<JobInfo> look_up(Repository& repository, JobId id) {
    try {
        return repository.find(id);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::repository_unusable) throw;
        return std::nullopt;
    }
}

}  // namespace

void finish_job(Repository& repository, JobId id, JobState state, const std::string& reason,
                std::optional<int> exit_code, int term_signal, std::optional<ResourceUse> resources) {
    // States only move forward: a job already recorded lost (by a liveness
    // check, or at reboot) keeps that outcome.
    JobEnding ending{state, reason, exit_code, term_signal};
    ending.resources = resources;
    unless_table_lost<bool>(repository, false,
                            [&](JobLifecycle& lifecycle) { return lifecycle.finish(id, ending); });
}

bool CommandRun::spawn(const std::vector<std::string>& command_argv) {
    // On another host: ssh is the command here, its stdin the control line.
    std::vector<std::string> argv = command_argv;
    RunOptions local = run_;
    FileDescriptor wrapper_stdin;
    if (!run_.ssh_host.empty()) {
        argv = ssh_argv(command_argv, wrapper_stdin);
        local = RunOptions{};
        // Before the host answers: a worker that takes over finds this
        // run's job there by name (and a note of another run is gone).
        remote_.log_offset = log_.size();
        note_remote(remote_.name.empty() ? "wrapper" : "unknown");
    }
    detail::PreparedCommand prepared = detail::prepare_command(local, argv[0]);
    if (wrapper_stdin) prepared.setup.stdin_fd = wrapper_stdin.get();
    detail::SpawnedCommand command;
    command.failure = prepared.failure;
    if (command.failure.empty()) {
        std::filesystem::path job_folder = table_of(repository_).job_directory(id_);
        cgroup_ = JobCgroup::make(job_folder.parent_path(), "job-" + std::to_string(id_));
        if (cgroup_) {
            cgroup_->note_in(job_folder);
            prepared.setup.cgroup_fd = cgroup_->folder_fd();
            prepared.setup.cgroup_procs_fd = cgroup_->procs_fd();
        }
        command.failure = limit(limits_of(run_));
        if (!cgroup_ && cgroups_required())
            command.failure = "no cgroup could be made for it (JOBCTL_CONTAINMENT=cgroup)";
        if (command.failure.empty()) command = detail::spawn_command(argv, prepared.setup);
    }
    if (!command.failure.empty()) {
        release_cgroup();
        finish_job(repository_, id_, JobState::failed, command.failure, std::nullopt, 0);
        return false;
    }
    child_ = command.pid;
    out_fd_ = std::move(command.out_fd);
    err_fd_ = std::move(command.err_fd);
    pidfd_ = open_pidfd(child_);
    if (!pidfd_) throw_system_error("pidfd_open", errno);  // the destructor ends the command
    auto identity = ProcessIdentity::of(child_);
    using Started = JobLifecycle::CommandStarted;
    Started started = unless_table_lost<Started>(repository_, {}, [&](JobLifecycle& lifecycle) {
        return lifecycle.record_command(id_, child_, identity ? identity->start_time : 0,
                                        cgroup_ ? Containment::cgroup : Containment::session,
                                        run_.retry.retries != 0 ? attempt_ : 0);
    });
    parent_id_ = started.parent_id;
    if (run_.timeout) time_limit_at_ = SteadyClock::now() + *run_.timeout;
    if (started.suspend_now) suspend();
    return true;
}

std::vector<std::string> CommandRun::ssh_argv(const std::vector<std::string>& command,
                                              FileDescriptor& wrapper_stdin) {
    SshRun ssh = prepare_ssh_run(table_of(repository_).location(), run_, command, relay_request());
    wrapper_stdin = std::move(ssh.wrapper_stdin);
    ssh_control_ = std::move(ssh.control);
    remote_.decoder.emplace(RelayDecoder::Callbacks{
        [this](OutputStream stream, std::string_view bytes) { on_remote_output(stream, bytes); },
        [this](RelayFrameKind kind, std::string_view bytes) { on_relay_frame(kind, bytes); },
        [this](RemoteMode mode) { on_remote_mode(mode); }});
    return std::move(ssh.argv);
}

// What a jobctl there is asked: to start the command (or find the job an
// earlier connection started), or to follow its job on from the last byte
// here; and a stop not yet seen to end it.
std::string CommandRun::relay_request() {
    if (remote_.job == 0 && wrapper_forced()) return "wrapper";
    RelayRequest request;
    if (remote_.job == 0) {
        if (remote_.name.empty()) remote_.name = remote_job_name(id_);
        request.name = remote_.name;
        request.again = follows_remote_job();
    } else {
        request.job = remote_.job;
        request.skip = remote_.received;
    }
    if (remote_.stop)
        request.stop =
            std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(*remote_.stop));
    return encode_request(request);
}

bool CommandRun::reconnect(const std::vector<std::string>& command) {
    FileDescriptor wrapper_stdin;
    std::vector<std::string> argv = ssh_argv(command, wrapper_stdin);
    // Outside any cgroup (the first connection's went with it): ssh is
    // this worker's child, and nothing here outlives the worker's session.
    detail::PreparedCommand prepared = detail::prepare_command(RunOptions{}, argv[0]);
    prepared.setup.stdin_fd = wrapper_stdin.get();
    detail::SpawnedCommand spawned;
    spawned.failure = prepared.failure;
    if (spawned.failure.empty()) spawned = detail::spawn_command(argv, prepared.setup);
    if (!spawned.failure.empty()) {
        remote_.failure = "cannot connect to " + run_.ssh_host + " again: " + spawned.failure;
        return false;
    }
    child_ = spawned.pid;
    reaped_ = false;
    output_deadline_.reset();
    out_fd_ = std::move(spawned.out_fd);
    err_fd_ = std::move(spawned.err_fd);
    pidfd_ = open_pidfd(child_);
    if (!pidfd_) throw_system_error("pidfd_open", errno);
    return true;
}

// The durable mode, once a connection's ssh has exited: the job there runs
// on unless it said how it ended (or could not be started). ssh's own
// failure (255), a signal, or the relay gone at the end of its line (0)
// is a lost connection; any other status is the relay's error.
bool CommandRun::connection_lost(const siginfo_t& status) {
    if (!follows_remote_job() || remote_.outcome || !remote_.failure.empty()) return false;
    if (remote_.decoder->mode() == RemoteMode::missing && !remote_.relay &&
        ++remote_.missing > kMissingTries) {
        // Taken over from a lost worker before any relay had answered, and
        // still no jobctl there: the command ran with the wrapper, which
        // ended it with the connection. (A few tries first: jobctl may be
        // missing only for a while, an upgrade, while its job runs there.)
        remote_.failure =
            "worker lost; " + run_.ssh_host + " has no jobctl, so its command ended with the connection";
        return false;
    }
    bool lost = status.si_code != CLD_EXITED || status.si_status == 255 || status.si_status == 0;
    if (lost) return true;
    std::string words =
        remote_.errors.substr(remote_.errors.find_last_of('\n', remote_.errors.size() - 2) + 1);
    while (!words.empty() && words.back() == '\n') words.pop_back();
    if (words.size() > kShownErrorBytes) words = words.substr(0, kShownErrorBytes) + "...";
    remote_.failure = "the jobctl on " + run_.ssh_host + " failed (exit code " +
                      std::to_string(status.si_status) + (words.empty() ? "" : ": " + words) + ")";
    remote_.failure += "; " + remote_job_text() + " may still run";
    return false;
}

// Waits before the next connection, while a stop or the time limit may
// come: a stop is carried by the next connection at once. A stop asked
// twice while the host cannot be reached gives up on it (false).
bool CommandRun::wait_to_reconnect() {
    auto delay = kFirstReconnect;
    for (unsigned k = 1; k < remote_.lost && delay < kLastReconnect; ++k)
        delay = std::min(delay * 2, kLastReconnect);
    auto at = SteadyClock::now() + delay;
    bool stop_pending = static_cast<bool>(remote_.stop);
    while (SteadyClock::now() < at && remote_.failure.empty() &&
           stop_pending == static_cast<bool>(remote_.stop)) {
        auto left = std::chrono::ceil<std::chrono::milliseconds>(at - SteadyClock::now());
        if (time_limit_at_ && !stopping_)
            left = std::min(
                left, std::chrono::ceil<std::chrono::milliseconds>(*time_limit_at_ - SteadyClock::now()));
        pollfd fds[2] = {{fds_.stop, POLLIN, 0}, {fds_.child_exit, POLLIN, 0}};
        int ready = ::poll(fds, 2, static_cast<int>(std::max<std::int64_t>(0, left.count())));
        if (ready < 0 && errno != EINTR) throw_system_error("poll", errno);
        if (fds[0].revents != 0) on_stop_request();
        if (fds[1].revents != 0) reap_orphans();
        if (time_limit_at_ && !stopping_ && SteadyClock::now() >= *time_limit_at_) on_time_limit();
    }
    return remote_.failure.empty();
}

// A stop asked twice that the host did not bring to its end: the job ends
// Stopped here, and its reason says the job there may still run.
void CommandRun::give_up_on_host() {
    remote_.failure =
        "gave up on " + run_.ssh_host + ", which did not answer: " + remote_job_text() + " may still run";
    give_up_at_.reset();
    // Nothing more is awaited from it: neither ssh nor the output it holds.
    if (child_ > 0 && !reaped_) ::kill(child_, SIGKILL);
    out_fd_.reset();
    err_fd_.reset();
}

// The marker of this connection: the first relay's fixes where its output
// begins in the log here (before any frame of it is taken in).
void CommandRun::on_remote_mode(RemoteMode mode) {
    if (mode == RemoteMode::relay && !remote_.relay) {
        remote_.relay = true;
        remote_.log_offset = log_.size();
        note_remote("jobctl");
    }
    if (mode == RemoteMode::wrapper) note_remote("wrapper");
}

void CommandRun::note_remote(const std::string& mode) {
    note_remote_side(table_of(repository_).job_directory(id_),
                     {{mode, remote_.job}, remote_.log_offset, mode == "wrapper" ? "" : remote_.name});
}

std::string CommandRun::remote_job_text() const {
    return remote_.job != 0 ? "its job " + std::to_string(remote_.job) + " there" : "a job it started there";
}

void CommandRun::on_remote_output(OutputStream stream, std::string_view bytes) {
    // A login script's lines before the marker came with the first
    // connection already; after it, every record here is the job's there.
    if (follows_remote_job() && remote_.decoder->mode() != RemoteMode::relay) return;
    if (remote_.decoder->mode() == RemoteMode::relay) {
        remote_.received += bytes.size();
        remote_.lost = 0;
    }
    publish(log_.append(stream, bytes));
}

void CommandRun::on_relay_frame(RelayFrameKind kind, std::string_view bytes) {
    remote_.lost = 0;
    std::filesystem::path folder = table_of(repository_).job_directory(id_);
    if (kind == RelayFrameKind::started) {
        unsigned long job = 0;
        auto [end, error] = std::from_chars(bytes.data(), bytes.data() + bytes.size(), job);
        if (error != std::errc() || job == 0 || job > UINT32_MAX)
            throw Error(ErrorCode::system, "the jobctl on " + run_.ssh_host + " named no job it started");
        remote_.job = static_cast<JobId>(job);
        note_remote("jobctl");
    } else if (kind == RelayFrameKind::ended) {
        remote_.outcome = decode_outcome(bytes);
        if (!remote_.outcome) {  // its job there is left alone
            remote_.failure = "the jobctl on " + run_.ssh_host +
                              " sent an outcome it could not have meant; " + remote_job_text() +
                              " may still run";
            return;
        }
        send_remote_line(ssh_control_, "done\n");  // it removes its job there and ends
    } else if (kind == RelayFrameKind::refused) {
        remote_.failure = "on " + run_.ssh_host + ": " + std::string(bytes);
    }
}

void CommandRun::pump_remote(FileDescriptor& fd, OutputStream stream) {
    ssize_t got = ::read(fd.get(), buffer_.get(), kReadChunk);
    if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
    if (got <= 0) {
        fd.reset();
        if (stream == OutputStream::out) remote_.decoder->finish();
        return;
    }
    std::string_view bytes(buffer_.get(), static_cast<std::size_t>(got));
    if (stream == OutputStream::out) {
        try {
            remote_.decoder->feed(bytes);
        } catch (const Error& error) {  // not what a relay sends: this connection is no use
            remote_.failure = error.what();
            ::kill(child_, SIGKILL);
            fd.reset();
        }
        return;
    }
    // stderr: the command's own through the wrapper; in the durable mode
    // only ssh's and the relay's words (the job's stderr comes in frames).
    if (!follows_remote_job()) {
        publish(log_.append(stream, bytes));
        return;
    }
    remote_.errors.append(bytes);
    if (remote_.errors.size() > kKeptErrors) remote_.errors.erase(0, remote_.errors.size() - kKeptErrors);
}

void CommandRun::pump(FileDescriptor& fd, OutputStream stream) {
    if (remote_.decoder) {
        pump_remote(fd, stream);
        return;
    }
    // Usually the bytes go straight from the pipe into the log (splice). On
    // a full disk the log drops (and counts) what does not fit, but the pipe
    // is drained all the same: the command never blocks on its output.
    std::optional<std::uint64_t> size = log_.append_from_pipe(stream, fd.get());
    if (!size) {
        // Nothing buffered although poll said readable: the end of the output
        // (read returns 0), or bytes that arrived just now.
        ssize_t got = ::read(fd.get(), buffer_.get(), kReadChunk);
        if (got < 0 && (errno == EINTR || errno == EAGAIN)) return;
        if (got <= 0) {
            fd.reset();
            return;
        }
        size = log_.append(stream, std::string_view(buffer_.get(), static_cast<std::size_t>(got)));
    }
    publish(*size);
}

void CommandRun::publish(std::uint64_t size) {
    if (size == published_size_) return;  // all of it dropped or kept back: nothing new to read
    published_size_ = size;
    unless_table_lost<bool>(repository_, false,
                            [&](JobLifecycle& lifecycle) { return lifecycle.publish_output(id_, size); });
}

void CommandRun::on_stop_request() {
    drain(fds_.stop);
    // Asked again while stopping (Ctrl-C twice on `run`, `stop` twice): no
    // more grace. Not after a time limit's stop alone: that was nobody's ask.
    if (stopping_ && stop_asked_ && follows_remote_job()) {
        // The jobctl there kills what is left; a host out of reach is given up on.
        send_remote_line(ssh_control_, "kill\n");
        // A relay that does not answer (stopped, hung) is given up on too, a while later.
        if (reaped_ || child_ <= 0)
            give_up_on_host();
        else if (!give_up_at_)
            give_up_at_ = SteadyClock::now() + kRemoteStopMargin;
    } else if (stopping_ && stop_asked_) {
        kill_deadline_ = SteadyClock::now();
        send_remote_kill(ssh_control_);  // over ssh, there too
    }
    bool first_ask = !stop_asked_;
    stop_asked_ = true;
    if (stopping_ || !first_ask) return;
    // A request that did not come through `jobctl stop` (a signal at shutdown) is a stop too.
    using std::chrono::milliseconds;
    // With the table gone (or the job), no grace can be read: none is given.
    begin_stop(unless_table_lost<milliseconds>(repository_, milliseconds(0), [&](JobLifecycle& lifecycle) {
        return lifecycle.accept_stop(id_, kDefaultStopGrace);
    }));
}

// Stopped as `stop` would, but not at anyone's request: no stop flag, and
// the outcome is Failed, "timed out after 30s".
void CommandRun::on_time_limit() {
    time_limit_at_.reset();
    if (stopping_) return;
    timed_out_ = true;
    unless_table_lost<bool>(repository_, false,
                            [&](JobLifecycle& lifecycle) { return lifecycle.mark_timing_out(id_); });
    begin_stop(kDefaultStopGrace);
}

void CommandRun::begin_stop(std::chrono::milliseconds grace) {
    stopping_ = true;
    if (!run_.ssh_host.empty()) {
        // The wrapper ends the command's session there and exits with its
        // status, which ssh brings back; ssh is killed here only if that
        // takes longer than the grace and a margin for the round trip.
        send_remote_stop(ssh_control_, grace);
        remote_.stop = grace;  // and on each connection after this one
        // A jobctl there ends its job after the grace; ssh is not killed
        // here (that would only lose the connection that brings the end).
        if (!follows_remote_job()) kill_deadline_ = SteadyClock::now() + grace + kRemoteStopMargin;
        return;
    }
    signal_all(SIGTERM);
    // A stopped or frozen process acts on nothing but SIGKILL until it is continued.
    if (suspended_ && cgroup_) cgroup_->freeze(false);
    if (suspended_ && !cgroup_) signal_all(SIGCONT);
    suspended_ = false;
    kill_deadline_ = SteadyClock::now() + grace;
}

void CommandRun::on_suspend_request() {
    drain(fds_.suspend);
    if (stopping_) return;  // a stop wins; begin_stop has continued the group
    std::optional<JobInfo> job = look_up(repository_, id_);
    bool wanted = job && job->suspend_requested && !job->stop_requested && !job->finished();
    if (wanted && !suspended_) suspend();
    if (!wanted && suspended_) resume();
    // Resumed and suspended again before we looked: still stopped, but the
    // state says Suspending again. Look at the group again to say Suspended.
    if (wanted && suspended_ && suspend_confirmed_) check_suspended();
}

void CommandRun::suspend() {
    suspended_ = true;
    suspend_confirmed_ = false;
    suspended_since_ = SteadyClock::now();
    stop_check_delay_ = kFirstStopCheck;
    if (cgroup_)
        cgroup_->freeze(true);  // Suspended once cgroup.events says frozen
    else
        signal_all(SIGSTOP);
    check_suspended();
}

// Suspended once every process of the job is seen stopped. Until then
// SIGSTOP goes again each time: a process forked just as the first one was
// sent may have missed it.
void CommandRun::check_suspended() {
    bool all_stopped = cgroup_ && cgroup_->frozen();
    if (!cgroup_) {
        std::vector<TreeProcess> now = processes();
        all_stopped = std::ranges::all_of(
            now, [](const TreeProcess& process) { return counts_as_stopped(process.pid, process.state); });
        if (!all_stopped) signal_processes(now, SIGSTOP);
    }
    if (!all_stopped) {
        next_stop_check_ = SteadyClock::now() + stop_check_delay_;
        stop_check_delay_ = std::min(stop_check_delay_ * 2, kLastStopCheck);
        return;
    }
    suspend_confirmed_ = true;
    unless_table_lost<bool>(repository_, false,
                            [&](JobLifecycle& lifecycle) { return lifecycle.confirm_suspended(id_); });
    if (parent_id_ != 0) settle_parent_suspension(repository_, parent_id_);
}

void CommandRun::resume() {
    // Thawed, and continued too: a process someone stopped with SIGSTOP
    // before runs again, as with session containment.
    if (cgroup_) cgroup_->freeze(false);
    signal_all(SIGCONT);
    suspended_ = false;
    suspend_confirmed_ = false;
    // Suspended time does not count against the time limit.
    if (time_limit_at_) *time_limit_at_ += SteadyClock::now() - suspended_since_;
    unless_table_lost<bool>(repository_, false,
                            [&](JobLifecycle& lifecycle) { return lifecycle.confirm_resumed(id_); });
}

int CommandRun::poll_timeout_ms() const {
    std::optional<SteadyClock::time_point> next = kill_deadline_;
    auto sooner = [&](SteadyClock::time_point at) { next = next ? std::min(*next, at) : at; };
    if (time_limit_at_ && !suspended_ && !stopping_) sooner(*time_limit_at_);
    if (suspended_ && !suspend_confirmed_) sooner(next_stop_check_);
    if (auto due = log_.gathered_due()) sooner(*due);
    if (output_deadline_) sooner(*output_deadline_);
    if (give_up_at_) sooner(*give_up_at_);
    if (!next) return -1;
    auto left = std::chrono::ceil<std::chrono::milliseconds>(*next - SteadyClock::now());
    return static_cast<int>(std::max<std::int64_t>(0, left.count()));
}

void CommandRun::on_deadlines() {
    auto now = SteadyClock::now();
    if (kill_deadline_ && now >= *kill_deadline_) {
        // Some may outrun the rounds (a chain that forks a new session as
        // each link is killed): look again shortly, until none is left.
        if (kill_all())
            kill_deadline_ = now + kKillAgainAfter;
        else
            kill_deadline_.reset();
    }
    if (time_limit_at_ && !suspended_ && !stopping_ && now >= *time_limit_at_) on_time_limit();
    if (suspended_ && !suspend_confirmed_ && now >= next_stop_check_) check_suspended();
    if (auto due = log_.gathered_due(); due && now >= *due) log_.write_gathered();
    if (give_up_at_ && now >= *give_up_at_) give_up_on_host();
    if (output_deadline_ && now >= *output_deadline_) {
        output_deadline_.reset();
        out_fd_.reset();
        err_fd_.reset();
    }
}

// The job's processes as they are now: everything below the worker (a
// subreaper: nothing leaves that tree), or, in a foreach host, the command
// and everything below it, plus what was seen below it before and has been
// re-parented since (orphans that land on a host that runs many commands
// cannot be told apart).
std::vector<TreeProcess> CommandRun::processes() {
    if (cgroup_) {
        // The cgroup's members; in the worker, also everything below it: a
        // process root moved out of the cgroup, or into a cgroup of its own
        // below the job's (whose members cgroup.procs does not list).
        std::vector<TreeProcess> members =
            fds_.child_exit >= 0 ? descendants_of(::getpid()) : std::vector<TreeProcess>{};
        std::unordered_set<pid_t> listed;
        for (const TreeProcess& process : members) listed.insert(process.pid);
        for (pid_t pid : cgroup_->processes())
            if (auto stat = read_stat(pid); stat && !listed.contains(pid))
                members.push_back({pid, stat->parent, stat->start_time, stat->state, stat->group});
        return members;
    }
    bool whole_subtree = fds_.child_exit >= 0;
    // In a host, the command's process group too (the command leads it):
    // a process of the group whose parent died is below the command no more.
    std::vector<TreeProcess> now =
        whole_subtree ? descendants_of(::getpid()) : descendants_of(child_, child_);
    if (!whole_subtree)
        if (auto command = read_stat(child_))
            now.push_back({child_, command->parent, command->start_time, command->state, command->group});
    std::unordered_set<pid_t> listed;
    for (const TreeProcess& process : now) listed.insert(process.pid);
    for (const TreeProcess& seen : known_) {
        if (listed.contains(seen.pid)) continue;
        auto stat = read_stat(seen.pid);  // the same process only if it started at the same time
        if (stat && stat->start_time == seen.start_time)
            now.push_back({seen.pid, stat->parent, seen.start_time, stat->state, stat->group});
    }
    known_.clear();
    std::ranges::copy_if(now, std::back_inserter(known_), [](const TreeProcess& p) { return !exited(p); });
    return now;
}

std::size_t CommandRun::signal_all(int signal) {
    return signal_processes(processes(), signal);
}

// Once the command has exited: is any process it started left? In a
// foreach host, without a cgroup, its processes cannot be told from the
// host's own: none counts.
bool CommandRun::processes_left() {
    if (cgroup_ && cgroup_->populated()) return true;
    if (fds_.child_exit < 0) return false;
    // In the worker, also a killed process that has left its cgroup (which
    // it does early in its exit) but is not yet gone.
    return has_live_child(child_);
}

void CommandRun::on_cgroup_event() {
    // Reading cgroup.events (populated does) is what clears the event.
    if (!cgroup_->populated()) return;
    if (suspended_ && !suspend_confirmed_) check_suspended();
}

bool CommandRun::kill_all() {
    if (cgroup_) {
        cgroup_->kill();  // every process at once; the run waits for the cgroup to empty
        if (fds_.child_exit < 0) return false;
        // In the worker, also what left the cgroup but not the worker's tree.
        return signal_processes(descendants_of(::getpid()), SIGKILL) > 0;
    }
    // Frozen first: a stopped process forks no more, so a chain that forks
    // a new link as fast as /proc can be listed is held still, then killed.
    for (int round = 0; round < kKillRounds; ++round) {
        std::vector<TreeProcess> now = processes();
        bool all_held = std::ranges::all_of(
            now, [](const TreeProcess& p) { return exited(p) || p.state == 'T' || p.state == 't'; });
        if (all_held) break;
        signal_processes(now, SIGSTOP);
    }
    for (int round = 0; round < kKillRounds; ++round)
        if (signal_all(SIGKILL) == 0) return false;
    return true;
}

// The worker is a subreaper: orphans of the command become its children,
// and would stay zombies until it exits. The command itself is left alone:
// run() waits for it through its pidfd, and a zombie kept (WNOWAIT) keeps
// its pid from being reused while it may still be signalled.
void CommandRun::reap_orphans() {
    drain(fds_.child_exit);
    // Only this process's own children (not all of /proc: a worker per job
    // would make many jobs cost the square of their number); one that has
    // not exited yet is left to a later round (WNOHANG).
    for (pid_t child : children_of_self())
        if (child != child_) {
            rusage usage{};
            if (::wait4(child, nullptr, WNOHANG, &usage) > 0) count_resources(usage);
        }
}

void CommandRun::count_resources(const rusage& usage) {
    using std::chrono::microseconds;
    auto micros = [](const timeval& time) { return microseconds(time.tv_sec * 1'000'000 + time.tv_usec); };
    resources_.user_cpu += micros(usage.ru_utime);
    resources_.system_cpu += micros(usage.ru_stime);
    std::uint64_t rss = static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;  // KiB on Linux
    resources_.peak_rss_bytes = std::max(resources_.peak_rss_bytes, rss);
}

// Sets the limits asked for on the cgroup; why not, if not (checked at
// the start, but the system may have changed since, or not let them be set).
std::string CommandRun::limit(const CgroupLimits& limits) {
    if (!limits.any()) return {};
    if (!cgroup_) return "cannot set its limits: " + limits_unavailable(limits);
    return cgroup_->set_limits(limits);
}

void CommandRun::count_cgroup_resources() {
    if (!cgroup_) return;
    CgroupCpu cpu = cgroup_->cpu();
    resources_.user_cpu = cpu.user;
    resources_.system_cpu = cpu.system;
    if (auto peak = cgroup_->peak_memory_bytes()) resources_.peak_rss_bytes = *peak;
    out_of_memory_ = run_.memory_limit_bytes && cgroup_->out_of_memory();
}

// Ends and removes the cgroup, and the note of it in the job's folder.
void CommandRun::release_cgroup() {
    if (!cgroup_) return;
    cgroup_->remove();
    JobCgroup::forget_in(table_of(repository_).job_directory(id_));
    cgroup_.reset();
}

CommandRun::Ending CommandRun::ending_of(const siginfo_t& status) const {
    std::optional<int> exit_code;
    int term_signal = 0;
    std::string reason;
    JobState state = JobState::completed;
    if (status.si_code == CLD_EXITED && status.si_status != 255 && remote_.decoder &&
        remote_.decoder->mode() == RemoteMode::unknown) {
        // Neither marker came: not jobctl's wrapper, nor a relay (a program
        // named jobctl there that is not jobctl, a login shell that refuses).
        return {JobState::failed,
                run_.ssh_host + " ran neither jobctl's relay nor its wrapper (exit code " +
                    std::to_string(status.si_status) + ")",
                std::nullopt, 0};
    }
    if (status.si_code == CLD_EXITED) {
        exit_code = status.si_status;
        if (status.si_status != 0) {
            state = JobState::failed;
            reason = "exited with code " + std::to_string(status.si_status);
            if (status.si_status == 255 && !run_.ssh_host.empty())
                reason = connection_lost_reason(run_.ssh_host);
        }
    } else {
        term_signal = status.si_status;
        state = JobState::failed;
        reason = "killed by signal " + std::to_string(term_signal) + " (" + signal_name(term_signal) + ")";
        if (!run_.ssh_host.empty())  // its ssh, here: the remote command's end is not known
            reason = "connection to " + run_.ssh_host + " lost (ssh " + reason + ")";
    }
    // Lost before the host said which side runs there: a relay may have
    // started the job already (the wrapper ends its command with the connection).
    bool lost_unanswered = status.si_code != CLD_EXITED || status.si_status == 255;
    if (lost_unanswered && remote_.decoder && remote_.decoder->mode() == RemoteMode::unknown &&
        !remote_.name.empty())
        reason += "; if jobctl runs there, its job " + remote_.name + " may run on";
    return {state, reason, exit_code, term_signal};
}

// The durable mode: the outcome of the job there, as its relay said; or
// why it could not be followed to its end.
CommandRun::Ending CommandRun::remote_ending() const {
    if (!remote_.outcome)
        return {JobState::failed,
                remote_.failure.empty() ? "connection to " + run_.ssh_host + " lost" : remote_.failure,
                std::nullopt, 0};
    const RemoteOutcome& outcome = *remote_.outcome;
    // "stopped" there is said here once more, with the stop asked here.
    std::string reason = outcome.reason;
    if (outcome.state == JobState::stopped && reason.starts_with("stopped"))
        reason.erase(0, reason.starts_with("stopped; ") ? 9 : std::string_view("stopped").size());
    if (outcome.state == JobState::stopped && !stop_asked_ && !timed_out_)
        reason = join_reasons("stopped on " + run_.ssh_host, std::move(reason));
    return {outcome.state, reason, outcome.exit_code, outcome.term_signal};
}

void CommandRun::record_outcome(Ending ending) {
    std::optional<JobInfo> job = look_up(repository_, id_);
    bool stopped = job && job->stop_requested;
    auto& [state, reason, exit_code, term_signal] = ending;
    if (out_of_memory_ && !stopped && !timed_out_) {
        state = JobState::failed;
        reason = "out of memory (limit " + size_text(*run_.memory_limit_bytes) + ")";
    }
    if (timed_out_) {
        // It reached its limit first; a stop that came during the grace changes nothing.
        state = JobState::failed;
        reason = "timed out after " + format_duration(*run_.timeout);
    } else if (stopped) {
        state = JobState::stopped;
        reason = reason.empty() ? "stopped" : "stopped; " + reason;
    }
    // A full disk, or the cap, cost output, not the job: its outcome stays the command's own.
    if (log_.dropped_bytes() > 0)
        reason = join_reasons(std::move(reason), "output capped at " + size_text(log_.cap()) + ": " +
                                                     std::to_string(log_.dropped_bytes()) + " bytes dropped");
    if (log_.lost_bytes() > 0)
        reason = join_reasons(std::move(reason), output_loss_text(log_.lost_bytes(), log_.loss_error()));
    if (state == JobState::failed && !stopped && retry_after(reason, exit_code)) return;
    // Over ssh, what was measured here is ssh's own use, not the command's.
    finish_job(repository_, id_, state, reason, exit_code, term_signal,
               run_.ssh_host.empty() ? std::optional<ResourceUse>(resources_) : std::nullopt);
}

// A failed attempt with attempts left (and, with --retry-on, an exit code
// among those): Blocked until the next, saying why. False when the job is
// to end now (no attempt left, or a stop came first).
bool CommandRun::retry_after(const std::string& reason, std::optional<int> exit_code) {
    const RetryPolicy& retry = run_.retry;
    if (attempt_ > retry.retries) return false;
    if (!retry.on_exit_codes.empty() &&
        (!exit_code || std::ranges::find(retry.on_exit_codes, *exit_code) == retry.on_exit_codes.end()))
        return false;
    std::chrono::milliseconds delay = retry.delay;
    if (retry.max_delay.count() != 0)  // doubled after each failure, up to the longest
        for (unsigned k = 1; k < attempt_ && delay < retry.max_delay; ++k)
            delay = std::min(delay * 2, retry.max_delay);
    std::string attempts = std::to_string(retry.retries + 1);
    std::string why = "attempt " + std::to_string(attempt_) + "/" + attempts + " failed: " + reason +
                      "; attempt " + std::to_string(attempt_ + 1) +
                      (delay.count() == 0 ? " now" : " in " + format_duration(delay));
    bool again = unless_table_lost<bool>(
        repository_, false, [&](JobLifecycle& lifecycle) { return lifecycle.end_attempt(id_, why); });
    if (again) retry_delay_ = delay;
    return again;
}

CommandRun::CommandRun(Repository& repository, JobId id, ControlFds fds, RunOptions run, unsigned attempt)
    : repository_(repository),
      id_(id),
      fds_(fds),
      run_(std::move(run)),
      attempt_(attempt),
      log_(detail::table_of(repository).job_directory(id),
           run_.max_output.value_or(detail::table_of(repository).default_max_output())),
      buffer_(new char[kReadChunk]) {}

CommandRun::~CommandRun() {
    // Left early (an exception): the command must not outlive its run.
    if (child_ > 0 && !reaped_) {
        kill_all();
        ::waitpid(child_, nullptr, 0);
    }
    try {
        release_cgroup();
    } catch (...) {  // a destructor: the cgroup is killed all the same
    }
    // The pipes and the pidfd close with their owners.
}

void CommandRun::run(const std::vector<std::string>& argv) {
    if (attempt_ > 1)  // each attempt's output after a line of its own
        publish(log_.append(OutputStream::info, "jobctl: attempt " + std::to_string(attempt_) + "/" +
                                                    std::to_string(run_.retry.retries + 1) + "\n"));
    if (!spawn(argv)) return;
    finish_run(argv, follow_to_exit());
}

void CommandRun::resume(const std::vector<std::string>& argv) {
    std::filesystem::path folder = table_of(repository_).job_directory(id_);
    std::optional<RemoteNote> note = noted_remote_side(folder);
    std::optional<std::uint64_t> here = note ? remote_bytes_here(folder, *note) : std::nullopt;
    // A relay that answered (its output begins at the note's place), or a
    // run whose host had not said yet: its job there is found by name, and
    // nothing of it can be here yet.
    remote_.resumed = true;
    remote_.relay = note && note->side.mode == "jobctl";
    remote_.job = note ? note->side.job : 0;
    remote_.name = note ? note->name : "";
    remote_.log_offset = note ? note->log_offset : 0;
    remote_.received = remote_.relay ? here.value_or(0) : 0;
    if (!here || (remote_.job == 0 && remote_.name.empty()))
        remote_.failure = "worker lost, and its output here could not be counted to follow it again";
    // The lost worker's cgroup goes, with its ssh if that is still there.
    if (auto lost = JobCgroup::noted_in(folder)) {
        lost->remove();
        JobCgroup::forget_in(folder);
    }
    std::optional<JobInfo> job = look_up(repository_, id_);
    if (job && job->stop_requested) {  // asked while no worker was there to say it: with its grace
        stopping_ = stop_asked_ = true;
        remote_.stop = unless_table_lost<std::chrono::milliseconds>(
            repository_, kDefaultStopGrace,
            [&](JobLifecycle& lifecycle) { return lifecycle.accept_stop(id_, kDefaultStopGrace); });
    }
    if (run_.timeout && job && job->began) {
        auto ran = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - *job->began);
        time_limit_at_ = SteadyClock::now() + std::max(std::chrono::milliseconds(0), *run_.timeout - ran);
    }
    published_size_ = log_.size();
    bool connected = remote_.failure.empty() && reconnect(argv);
    finish_run(argv, connected ? std::optional<siginfo_t>(follow_to_exit()) : std::nullopt);
}

void CommandRun::finish_run(const std::vector<std::string>& argv, std::optional<siginfo_t> status) {
    // The durable mode: the job there runs on; follow it again.
    bool lost = status && connection_lost(*status);
    // Between connections the job's cgroup would be empty (a sweep takes
    // such), and one a stop killed takes no process again: ssh, all that
    // runs here, goes without one.
    if (lost) release_cgroup();
    while (lost && wait_to_reconnect() && reconnect(argv)) {
        status = follow_to_exit();
        lost = connection_lost(*status);
    }
    if (fds_.child_exit >= 0) reap_orphans();
    count_cgroup_resources();
    release_cgroup();
    publish(log_.close_tail());
    record_outcome(follows_remote_job() ? remote_ending() : ending_of(*status));
    // Once the outcome is out, so that nobody waits for it: what runners
    // that died left behind where nobody found their jobs lost. Every 32nd
    // job is often enough for what only a crash leaves.
    if (id_ % 32 == 0) sweep_stale_cgroups();
}

siginfo_t CommandRun::follow_to_exit() {
    std::optional<siginfo_t> exit_status;
    // Finished when the command has exited, everything that shared its
    // output pipes (its background children) has closed them, and no
    // process it started is left (cgroup; or, in the worker, its subtree).
    while (!exit_status || out_fd_ || err_fd_ || processes_left()) {
        pollfd fds[7] = {{out_fd_.get(), POLLIN, 0},
                         {err_fd_.get(), POLLIN, 0},
                         {exit_status ? -1 : pidfd_.get(), POLLIN, 0},
                         {fds_.stop, POLLIN, 0},
                         {fds_.suspend, POLLIN, 0},
                         {fds_.child_exit, POLLIN, 0},
                         {cgroup_ ? cgroup_->events_fd() : -1, POLLPRI, 0}};
        int ready = ::poll(fds, 7, poll_timeout_ms());
        if (ready < 0 && errno != EINTR) throw_system_error("poll", errno);
        if (fds[0].revents != 0) pump(out_fd_, OutputStream::out);
        if (fds[1].revents != 0) pump(err_fd_, OutputStream::err);
        if (fds[3].revents != 0) on_stop_request();
        if (fds[4].revents != 0) on_suspend_request();
        if (fds[5].revents != 0) reap_orphans();
        if (fds[6].revents != 0) on_cgroup_event();
        if (fds[2].revents != 0) {
            siginfo_t status{};
            // WNOWAIT keeps the zombie, so the pid cannot be reused while
            // we may still signal the job's processes.
            if (::waitid(P_PID, static_cast<id_t>(child_), &status, WEXITED | WNOWAIT) == 0) {
                exit_status = status;
                // Over ssh the output pipes went to the shared connection's
                // master too, which may hold them (stopped, hung): they get
                // a while to bring the rest, then the run goes on without.
                if (!run_.ssh_host.empty()) output_deadline_ = SteadyClock::now() + kRemoteStopMargin;
            } else if (errno != EINTR) {
                // Someone else reaped it (a host that ignores SIGCHLD or reaps
                // everything): the status is gone, and so may be the pid.
                reaped_ = true;
                throw_system_error("cannot read the command's exit status", errno);
            }
        }
        on_deadlines();
    }
    // A stop leaves nothing behind: what is left once the command has
    // exited and its output is closed (processes that let go of the output,
    // re-parented escapees) is killed now, grace or not.
    // Rounds again for any that outran them, for a second at most.
    if (stopping_)
        for (int round = 0; kill_all() && round < 20; ++round) std::this_thread::sleep_for(kKillAgainAfter);
    rusage usage{};
    if (::wait4(child_, nullptr, 0, &usage) == child_) count_resources(usage);
    reaped_ = true;
    return *exit_status;
}

}  // namespace jobctl::detail
