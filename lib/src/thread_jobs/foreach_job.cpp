#include "jobctl/foreach_job.hpp"

#include <fcntl.h>
#include <sys/eventfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <optional>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/stop_on_signals.hpp"
#include "jobctl/thread_job_host.hpp"
#include "jobs/suspension.hpp"
#include "output/output_log.hpp"
#include "output/spool.hpp"
#include "process_jobs/attempts.hpp"
#include "process_jobs/command_run.hpp"
#include "process_jobs/command_text.hpp"
#include "process_jobs/foreach_spec.hpp"
#include "process_jobs/joblog_file.hpp"
#include "process_jobs/restart_spec.hpp"
#include "process_jobs/run_options.hpp"
#include "process_jobs/time_limit.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh/ssh_host.hpp"
#include "system/clock.hpp"
#include "system/detached_fork.hpp"
#include "system/event_signal.hpp"
#include "system/file_descriptor.hpp"
#include "system/process_identity.hpp"
#include "table/finish_hook.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/reason_text.hpp"
#include "thread_jobs/host_share.hpp"
#include "thread_jobs/open_file_room.hpp"
#include "thread_jobs/thread_job_pool.hpp"

namespace jobctl {
namespace {

// A shared connection to each host of a foreach on other hosts, before
// anything is registered. Errors: cluster, program_not_found, timeout.
void open_connections(Repository& repository, const ForeachSpec& spec) {
    detail::open_shared_connections(
        detail::table_of(repository).location(),
        detail::parse_ssh_hosts(spec.inputs_are_hosts ? spec.inputs : spec.ssh_hosts));
}

// In a kept spec's ssh host: each child ran on its input (one per host).
constexpr const char* kHostsAreInputs = "@inputs";

// Where the children of a foreach on other hosts may run, as the
// parent's (and a child's, until it starts) Location shows it.
std::string remote_hosts_text(const ForeachSpec& spec) {
    const std::vector<std::string>& hosts = spec.inputs_are_hosts ? spec.inputs : spec.ssh_hosts;
    std::string text;
    for (const std::string& host : hosts) text += (text.empty() ? "" : ",") + host;
    return text;
}

// The children of `inputs` as the table registers them (unnamed: the table
// names them NAME:<n>, or NAME:<host> for one child per host), and the
// command each one runs.
std::vector<detail::NewJob> child_jobs(const ForeachSpec& spec, const std::vector<std::string>& inputs,
                                       const ProcessIdentity& self,
                                       std::vector<detail::ChildCommand>& commands) {
    std::vector<detail::NewJob> jobs;
    jobs.reserve(inputs.size());
    commands.reserve(commands.size() + inputs.size());
    const std::string our_cwd = detail::command_cwd({}).string();
    for (const std::string& input : inputs) {
        const detail::ChildCommand& child = commands.emplace_back(detail::expand_child(spec, input));
        detail::NewJob job{
            "", JobType::thread, detail::command_text(child.argv), 0, self.pid, self.start_time, true};
        job.cwd = child.run.cwd.empty() ? our_cwd : child.run.cwd.string();
        job.can_suspend = true;         // CommandRun acts on suspend requests
        if (detail::is_remote(spec)) {  // on another host: its own type, where, and its folder there
            job.type_name = "ssh";
            job.can_suspend = false;
            job.cwd = child.run.cwd.string();
            job.location = spec.inputs_are_hosts ? input : remote_hosts_text(spec);
            if (spec.inputs_are_hosts) job.child_suffix = input;
        }
        if (child.run.timeout) job.timeout_ms = static_cast<std::uint64_t>(child.run.timeout->count());
        job.has_finish_hook = !spec.on_child_finish.empty();  // the parent's on-child-finish
        job.labels = spec.labels;
        if (child.run.retry.retries != 0)
            job.attempts_allowed = static_cast<std::uint16_t>(child.run.retry.retries + 1);
        jobs.push_back(std::move(job));
    }
    return jobs;
}

// Readable once the parent is asked to stop (or gone), or once close() is
// called: what a wait for more input also waits on.
class ParentStopWatch {
public:
    ParentStopWatch(Repository& repository, JobId parent) : repository_(repository), parent_(parent) {
        event_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
        if (!event_) throw_system_error("eventfd", errno);
        thread_ = std::thread([this] { watch(); });
    }
    ~ParentStopWatch() { close(); }
    ParentStopWatch(const ParentStopWatch&) = delete;
    ParentStopWatch& operator=(const ParentStopWatch&) = delete;

    int fd() const { return event_.get(); }
    void close() {
        if (!thread_.joinable()) return;
        closing_.store(true);
        detail::table_of(repository_).notify_change();
        thread_.join();
    }

private:
    void watch() {
        detail::JobTable& table = detail::table_of(repository_);
        try {
            for (;;) {
                // A stop request is a change of state; output is not.
                std::uint32_t seen = table.change_count(detail::JobTable::Changes::of_state);
                if (closing_.load()) break;
                auto parent = table.find(parent_);
                if (!parent || parent->stop_requested || parent->finished()) break;
                table.wait_for_change(seen, std::chrono::hours(1), detail::JobTable::Changes::of_state);
            }
        } catch (const std::exception&) {  // the repository failed us: stop reading
        }
        detail::signal_event(event_.get());
    }

    Repository& repository_;
    const JobId parent_;
    detail::FileDescriptor event_;
    std::atomic<bool> closing_{false};
    std::thread thread_;
};

}  // namespace

ForeachJob::ForeachJob(Repository& repository, ForeachSpec spec)
    : repository_(repository), spec_(std::move(spec)) {
    check_foreach_spec(spec_);
    bool remote = detail::is_remote(spec_);
    if (remote) {
        open_connections(repository_, spec_);
        std::filesystem::path remote_cwd = spec_.run.cwd;  // the other hosts' folder: as written
        spec_.run.cwd.clear();
        spec_.run = detail::checked_run_options(spec_.run, true);
        spec_.run.cwd = remote_cwd;
    } else {
        spec_.run = detail::checked_run_options(spec_.run, true);  // paths absolute, once for all children
    }
    if (!spec_.joblog.empty()) {
        check_not_the_repositorys(spec_.joblog);
        joblog_ = std::make_shared<detail::JoblogFile>(spec_.joblog);
    }
    ProcessIdentity self = ProcessIdentity::self();
    std::string command = spec_.inputs_are_hosts ? detail::command_text(spec_.command)
                                                 : "foreach -j " + std::to_string(spec_.throttle_limit) +
                                                       " -- " + detail::command_text(spec_.command);
    // -j on other hosts is each host's: the run's own limit is theirs together.
    if (!spec_.ssh_hosts.empty()) spec_.throttle_limit *= static_cast<unsigned>(spec_.ssh_hosts.size());
    std::vector<detail::NewJob> children = child_jobs(spec_, spec_.inputs, self, first_children_);
    detail::NewJob parent{spec_.name, JobType::thread, command, 0, self.pid, self.start_time, true};
    parent.can_suspend = !remote;  // through its children and its pool (not those on other hosts)
    if (remote) {
        parent.type_name = "ssh";
        parent.location = remote_hosts_text(spec_);
    }
    parent.throttle_limit = std::max(1u, spec_.throttle_limit);  // as the pool takes it
    parent.has_finish_hook = !spec_.on_finish.empty();
    parent.labels = spec_.labels;
    parent_ = detail::table_of(repository_).add_family(parent, children);
    registered_ = children.size();
    keep_finish_hooks();
    keep_spec_for_restart();
    spec_.inputs = {};  // first_children_ has them now
}

// Before any child runs: the hooks' commands, in the parent's folder. A
// family whose hooks cannot be kept is erased again (children first, as a
// crash would leave it).
void ForeachJob::keep_finish_hooks() {
    detail::JobTable& table = detail::table_of(repository_);
    try {
        if (!spec_.on_child_finish.empty())
            detail::keep_finish_hook(table, parent_.id, detail::kChildFinishHookFile, spec_.on_child_finish);
        if (!spec_.on_finish.empty())
            detail::keep_finish_hook(table, parent_.id, detail::kFinishHookFile, spec_.on_finish);
    } catch (...) {
        for (std::size_t k = registered_; k > 0; --k) table.erase(parent_.id + static_cast<JobId>(k));
        table.erase(parent_.id);
        std::error_code ignored;
        std::filesystem::remove_all(table.job_directory(parent_.id), ignored);
        throw;
    }
}

// For restart --failed: the command template, run options and inputs, in
// the parent's folder. Without them the children cannot run again, and
// that is all.
void ForeachJob::keep_spec_for_restart() {
    try {
        std::filesystem::path folder = detail::table_of(repository_).job_directory(parent_.id);
        ensure_spool_directory(folder);
        // On other hosts, which: the inputs, or the hosts the inputs are spread over.
        RunOptions run = spec_.run;
        if (detail::is_remote(spec_))
            run.ssh_host = spec_.inputs_are_hosts ? kHostsAreInputs : remote_hosts_text(spec_);
        detail::keep_foreach_spec(folder, repository_.name(), spec_.command, run);
        detail::append_foreach_inputs(folder, spec_.inputs);
    } catch (const Error&) {
    }
}

ForeachJob::ForeachJob(Repository& repository, RerunFailed rerun) : repository_(repository) {
    std::optional<JobInfo> parent = repository_.find(rerun.parent);
    if (!parent) throw job_not_found(rerun.parent);
    std::string named = "job " + std::to_string(parent->id) + " (" + parent->name + ")";
    if (parent->type != JobType::thread || parent->parent_id != 0 || parent->registered_alone)
        throw Error(ErrorCode::invalid_argument,
                    named + " is not a foreach run here: --failed reruns a foreach's children");
    if (!parent->finished())
        throw Error(ErrorCode::job_busy, named + " is " + std::string(to_string(parent->state)) +
                                             ": its children run again once it has finished");
    detail::JobTable& table = detail::table_of(repository_);
    std::filesystem::path folder = table.job_directory(parent->id);
    std::optional<detail::RestartSpec> kept = detail::read_restart_spec(folder);
    std::vector<std::string> inputs = detail::read_foreach_inputs(folder);
    if (!kept)
        throw Error(ErrorCode::invalid_argument, named + " kept no command line to run its children again");
    spec_.name = parent->name;
    spec_.command = kept->arguments.command;
    spec_.run = kept->arguments.run;
    if (parent->type_name == "ssh") {
        take_kept_hosts(named, inputs);
    } else {
        spec_.run.env = detail::command_environment(*kept);  // as its host had it, not as we have
        spec_.run.clear_env = true;
    }
    spec_.throttle_limit = std::max(1u, parent->throttle_limit);
    std::vector<JobInfo> children = children_of(repository_, parent->id);
    registered_ = children.size();
    for (const JobInfo& child : children) {
        std::size_t number = child.id - parent->id;  // NAME:number, its input's
        bool rerun_it = child.state == JobState::failed || child.state == JobState::stopped;
        if (rerun_it && number >= 1 && number <= inputs.size()) {
            first_ids_.push_back(child.id);
            first_children_.push_back(detail::expand_child(spec_, inputs[number - 1]));
        }
    }
    if (first_ids_.empty())
        throw Error(ErrorCode::invalid_argument, named + " has no failed or stopped child to run again");
    ProcessIdentity self = ProcessIdentity::self();
    detail::JobLifecycle lifecycle = detail::lifecycle_of(repository_);
    if (!lifecycle.reopen(parent->id, self, true))
        throw Error(ErrorCode::job_busy, named + " was restarted (or removed) meanwhile");
    for (JobId id : first_ids_) {
        lifecycle.reopen(id, self, true);
        try {  // where its new run's output begins, as for a restarted job
            OutputLogWriter log(table.job_directory(id));
            lifecycle.publish_output(id, log.append(OutputStream::info, "jobctl: restarted\n"));
        } catch (const Error&) {
        }
    }
    parent_ = repository_.find(parent->id).value_or(*parent);
}

// A run on other hosts: the same hosts again (its variables are the
// remote side's, kept as given), their connections first.
void ForeachJob::take_kept_hosts(const std::string& named, const std::vector<std::string>& inputs) {
    std::string hosts = spec_.run.ssh_host;
    spec_.run.ssh_host.clear();
    if (hosts == kHostsAreInputs) {
        spec_.inputs_are_hosts = true;
        spec_.inputs = inputs;
    } else {
        for (std::size_t at = 0; !hosts.empty() && at <= hosts.size();) {
            std::size_t end = std::min(hosts.find(',', at), hosts.size());
            spec_.ssh_hosts.push_back(hosts.substr(at, end - at));
            at = end + 1;
        }
    }
    if (!detail::is_remote(spec_))
        throw Error(ErrorCode::invalid_argument,
                    named + " kept no hosts to run its children on again (an older jobctl started it)");
    open_connections(repository_, spec_);
}

// A joblog in the repository's own folder would overwrite its table, its
// history or a job's output.
void ForeachJob::check_not_the_repositorys(const std::filesystem::path& joblog) const {
    const detail::RepositoryLocation& location = detail::table_of(repository_).location();
    std::error_code ignored;
    std::filesystem::path file = std::filesystem::weakly_canonical(joblog, ignored);
    auto within = [&](const std::filesystem::path& folder) {
        std::filesystem::path real = std::filesystem::weakly_canonical(folder, ignored);
        auto [end, _] = std::mismatch(real.begin(), real.end(), file.begin(), file.end());
        return end == real.end();
    };
    bool named = location.name.find('/') == std::string::npos;  // a folder of its own
    if (within(location.spool) || within(named ? location.table.parent_path() : location.table))
        throw Error(ErrorCode::invalid_argument, "cannot write the joblog " + joblog.string() +
                                                     ": it is in repository '" + location.name +
                                                     "' (its table, output or history)");
}

// The bytes a child printed on stdout (its log holds stderr too).
std::uint64_t ForeachJob::stdout_bytes(const JobInfo& child) const {
    std::uint64_t bytes = 0;
    try {
        OutputLogReader(detail::table_of(repository_).job_directory(child.id))
            .read(0, child.output_bytes, [&](OutputStream stream, std::string_view text) {
                if (stream == OutputStream::out) bytes += text.size();
            });
    } catch (const std::exception&) {
        // A damaged log: what could be counted.
    }
    return bytes;
}

void ForeachJob::update_parent(bool final, const std::string& failure) {
    detail::JobLifecycle lifecycle = detail::lifecycle_of(repository_);
    if (!final) {
        lifecycle.begin_parent(parent_.id);
        return;
    }
    detail::JobEnding ending;
    if (!failure.empty()) {
        ending = {JobState::failed, failure};
    } else if (failed_ > 0) {
        ending = {JobState::failed,
                  std::to_string(failed_) + " of " + std::to_string(registered_) + " children failed"};
        if (halted_) ending.reason += "; halted (--halt-on-error)";
    } else if (stopped_ > 0) {
        ending = {JobState::stopped, "stopped"};
    } else {
        ending.stopped_if_asked = true;  // a stop that came after the last child: "stopped"
    }
    lifecycle.finish(parent_.id, ending);
}

JobInfo ForeachJob::run(const Callbacks& callbacks) {
    update_parent(false);
    std::mutex counts_mutex;
    std::string failure;          // the parent's reason, when taking more input failed
    std::optional<Error> failed;  // and the error to report, once the children have finished
    {
        // --on ssh:A,B: each child on the host with the fewest running as it
        // starts. Before the pool: its threads use it until the pool has joined them.
        std::optional<detail::HostShare> hosts;
        if (!spec_.ssh_hosts.empty()) hosts.emplace(spec_.ssh_hosts);
        detail::ThreadJobPool pool(repository_, {.throttle_limit = spec_.throttle_limit}, parent_.id,
                                   detail::commands_that_fit);
        pool.on_job_finished([&](const JobInfo& child) {
            bool halt = false;
            {
                std::lock_guard lock(counts_mutex);
                failed_ += child.state == JobState::failed;
                stopped_ += child.state == JobState::stopped;
                halt = spec_.halt_on_error && child.state == JobState::failed && !halted_;
                halted_ = halted_ || halt;
            }
            // The rest stop: running ones as `stop` would, queued ones never start.
            if (halt) request_stop(repository_, parent_.id, kDefaultStopGrace);
            // The last child a suspended parent waited for may be this one.
            detail::settle_parent_suspension(repository_, parent_.id);
            if (joblog_) joblog_->add(child.id - parent_.id, child, stdout_bytes(child));
            if (callbacks.on_child_finished) callbacks.on_child_finished(child);
        });
        std::vector<Job> children;
        auto queue = [&](JobId first, std::vector<detail::ChildCommand>& commands) {
            for (std::size_t k = 0; k < commands.size(); ++k) {
                JobId id = first_ids_.empty() ? first + static_cast<JobId>(k) : first_ids_[k];
                if (callbacks.on_child_registered) callbacks.on_child_registered(id);
                ThreadJobBody body = [this, child = std::move(commands[k]), &hosts](JobContext& context) {
                    JobId id = context.id();
                    RunOptions run = child.run;
                    std::optional<detail::HostShare::Taken> host;
                    if (hosts) {
                        host.emplace(*hosts);
                        run.ssh_host = host->host();
                        detail::lifecycle_of(repository_).set_location(id, run.ssh_host);
                    }
                    detail::run_attempts(
                        repository_, id, {context.stop_event_fd(), context.suspend_event_fd()}, run,
                        child.argv, [&] { return detail::unblock_for_next_attempt(repository_, id); });
                };
                children.push_back(pool.enqueue(id, std::move(body), parent_.id));
            }
            commands.clear();
        };
        queue(parent_.id + 1, first_children_);
        first_ids_.clear();  // later batches take the ids after
        if (spec_.more_inputs) {
            // Batch by batch as they come, each registered all or none, until
            // the input ends or the parent is asked to stop (then a batch
            // would not be registered anyway: add_children refuses it).
            ParentStopWatch stop_watch(repository_, parent_.id);
            detail::JobTable& table = detail::table_of(repository_);
            ProcessIdentity self = ProcessIdentity::self();
            try {
                for (std::vector<std::string> batch;
                     spec_.more_inputs(batch, table.capacity(), stop_watch.fd()); batch.clear()) {
                    std::vector<detail::ChildCommand> commands;
                    std::vector<detail::NewJob> jobs = child_jobs(spec_, batch, self, commands);
                    JobId first = table.add_children(parent_.id, jobs, registered_ + 1);
                    if (first == 0) break;  // stopped meanwhile
                    registered_ += jobs.size();
                    try {
                        detail::append_foreach_inputs(table.job_directory(parent_.id), batch);
                    } catch (const Error&) {  // only restart --failed needs them
                    }
                    queue(first, commands);
                }
            } catch (const Error& error) {
                // The children registered so far run to their end; the parent
                // then ends Failed, saying where the input stopped.
                std::string after =
                    "after " + std::to_string(registered_) + (registered_ == 1 ? " input" : " inputs");
                if (error.code() == ErrorCode::repository_full) {
                    failure = "repository full " + after + "; the rest of the input was not read";
                    failed.emplace(error.code(), "the repository filled up " + after +
                                                     "; foreach read no more input: " + error.what());
                } else {
                    failure = "input failed " + after + ": " + error.what();
                    failed.emplace(error.code(), "foreach read no more input " + after + ": " + error.what());
                }
            }
            stop_watch.close();
        }
        if (callbacks.on_all_registered) callbacks.on_all_registered();
        for (const Job& child : children) child.wait();
    }
    update_parent(true, failure);
    if (failed) throw *failed;
    return repository_.find(parent_.id).value_or(parent_);
}

namespace {

// What the detached host reports through its pipe: the parent's id, or why it failed.
struct HostReport {
    JobId parent = 0;
    ErrorCode code = ErrorCode::system;
    char message[256] = {};
};

// Sends the one report and closes the pipe; a second report goes nowhere.
void send_report(detail::FileDescriptor& fd, const HostReport& report) {
    if (!fd) return;
    [[maybe_unused]] ssize_t ignored = ::write(fd.get(), &report, sizeof report);  // < PIPE_BUF: one piece
    fd.reset();
}

// In the detached grandchild. It runs the whole foreach (threads and all) and
// ends with _exit, so owners in this frame and below work as usual, while
// those of the caller's frames, copied by fork, are never destroyed here.
[[noreturn]] void run_detached_host(Repository& repository, const ForeachSpec& spec,
                                    detail::FileDescriptor report_fd) {
    // null_fd stays raw: the close_range calls close it with the rest of the caller's descriptors.
    int null_fd = ::open("/dev/null", O_RDWR);
    for (int fd : {0, 1, 2}) ::dup2(null_fd, fd);
    ::close_range(3, static_cast<unsigned>(report_fd.get()) - 1, 0);
    ::close_range(static_cast<unsigned>(report_fd.get()) + 1, ~0u, 0);
    try {
        {
            StopOnSignals stop_on_signals;  // a shutdown stops the run rather than orphaning its commands
            ForeachJob job(repository, spec);
            stop_on_signals.watch(repository, job.parent().id);
            job.run({.on_child_registered = nullptr,
                     .on_all_registered =
                         [&] {
                             send_report(report_fd, {job.parent().id, ErrorCode::system, {}});
                         },
                     .on_child_finished = nullptr});
        }  // ends and joins the signal watcher thread, rather than leaving it to _exit
        ::_exit(0);
    } catch (const Error& error) {
        HostReport report{0, error.code(), {}};
        std::snprintf(report.message, sizeof report.message, "%s", error.what());
        send_report(report_fd, report);  // (ignored if the run had begun: the caller has its answer)
    } catch (const std::exception& error) {
        HostReport report;
        std::snprintf(report.message, sizeof report.message, "%s", error.what());
        send_report(report_fd, report);
    }
    ::_exit(1);
}

}  // namespace

JobInfo start_foreach_job(Repository& repository, const ForeachSpec& spec) {
    check_foreach_spec(spec);
    if (spec.more_inputs)
        throw Error(ErrorCode::invalid_argument,
                    "a detached foreach takes its inputs up front: read them into ForeachSpec::inputs");
    // Here, not in the host: the errors come first, and ssh's shared
    // connections are this process's, not the host's.
    if (detail::is_remote(spec)) open_connections(repository, spec);
    detail::FileDescriptor report = detail::fork_detached(
        [&](detail::FileDescriptor report_fd) { run_detached_host(repository, spec, std::move(report_fd)); },
        "the foreach host");
    HostReport answer;
    if (!detail::read_report(std::move(report), &answer, sizeof answer))
        throw Error(ErrorCode::system, "the detached foreach host did not start");
    if (answer.parent == 0) throw Error(answer.code, answer.message);
    auto parent = repository.find(answer.parent);
    if (!parent) throw Error(ErrorCode::system, "the detached foreach host did not register its job");
    return *parent;
}

}  // namespace jobctl
