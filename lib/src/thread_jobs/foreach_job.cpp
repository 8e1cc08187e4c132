#include "jobctl/foreach_job.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "system/clock.hpp"
#include "process_jobs/command_run.hpp"
#include "process_jobs/command_text.hpp"
#include "system/detached_fork.hpp"
#include "jobs/job_outcome.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "system/process_identity.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/stop_on_signals.hpp"
#include "jobctl/thread_job_host.hpp"
#include "table/segment_layout.hpp"
#include "table/job_table.hpp"
#include "process_jobs/program_lookup.hpp"
#include "thread_jobs/foreach_spec.hpp"

namespace jobctl {
namespace {

constexpr std::string_view kPlaceholder = "{}";

std::string child_name(const std::string& parent_name, std::size_t index) {
    std::string suffix = ":" + std::to_string(index + 1);
    return parent_name.substr(0, Repository::kMaxNameLength - suffix.size()) + suffix;
}

}  // namespace

std::vector<std::string> detail::expand_command(const std::vector<std::string>& command, const std::string& input) {
    std::vector<std::string> expanded;
    bool placed = false;
    for (const std::string& argument : command) {
        std::string result;
        std::size_t start = 0;
        for (std::size_t at; (at = argument.find(kPlaceholder, start)) != std::string::npos; start = at + 2) {
            result += argument.substr(start, at - start) + input;
            placed = true;
        }
        expanded.push_back(result + argument.substr(start));
    }
    if (!placed) expanded.push_back(input);
    return expanded;
}

void detail::check_foreach_spec(const ForeachSpec& spec) {
    if (spec.command.empty() || spec.command[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (!spec.name.empty()) detail::check_job_name(spec.name);
    if (spec.throttle_limit == 0) throw Error(ErrorCode::invalid_argument, "the throttle limit must be at least 1");
    const std::string& program = spec.command[0];
    if (program.find(kPlaceholder) == std::string::npos) require_program(program);
}

ForeachJob::ForeachJob(Repository& repository, ForeachSpec spec) : repository_(repository), spec_(std::move(spec)) {
    detail::check_foreach_spec(spec_);
    ProcessIdentity self = ProcessIdentity::self();
    std::string command = "foreach -j " + std::to_string(spec_.throttle_limit) + " -- " + detail::command_text(spec_.command);
    parent_ = detail::table_of(repository_).add({spec_.name, JobType::thread, command, 0, self.pid, self.start_time, true});
}

void ForeachJob::update_parent(bool final) {
    std::size_t total = spec_.inputs.size();
    detail::table_of(repository_).update(parent_.id, [&](detail::JobSlot& slot) {
        if (detail::is_finished(slot)) return false;
        if (slot.began_ns == 0) slot.began_ns = detail::now_ns();
        if (!final) {
            if (slot.state == static_cast<std::uint8_t>(JobState::not_started))
                slot.state = static_cast<std::uint8_t>(JobState::running);
            return true;
        }
        JobState state = JobState::completed;
        std::string reason;
        if (failed_ > 0) {
            state = JobState::failed;
            reason = std::to_string(failed_) + " of " + std::to_string(total) + " children failed";
        } else if (stopped_ > 0 || slot.stop_requested) {
            state = JobState::stopped;
            reason = "stopped";
        }
        detail::set_outcome(slot, state, reason);
        return true;
    });
}

JobInfo ForeachJob::run(const Callbacks& callbacks) {
    update_parent(false);
    std::mutex counts_mutex;
    {
        ThreadJobHost host(repository_, {.throttle_limit = spec_.throttle_limit});
        host.on_job_finished([&](const JobInfo& child) {
            {
                std::lock_guard lock(counts_mutex);
                failed_ += child.state == JobState::failed;
                stopped_ += child.state == JobState::stopped;
            }
            if (callbacks.on_child_finished) callbacks.on_child_finished(child);
        });
        std::vector<Job> children;
        try {
            for (std::size_t i = 0; i < spec_.inputs.size(); ++i) {
                auto argv = detail::expand_command(spec_.command, spec_.inputs[i]);
                std::string text = detail::command_text(argv);
                ThreadJobBody body = [this, argv = std::move(argv)](JobContext& context) {
                    detail::CommandRun(repository_, context.id(), context.stop_event_fd()).run(argv);
                };
                children.push_back(host.start({child_name(parent_.name, i), text, parent_.id, std::move(body)}));
                if (callbacks.on_child_registered) callbacks.on_child_registered(children.back().id());
            }
            // A stop of the parent that came while children were still being
            // registered has not reached the later ones: pass it on again.
            if (auto parent = repository_.find(parent_.id); parent && parent->stop_requested)
                request_stop(repository_, parent_.id, kDefaultStopGrace);
            if (callbacks.on_all_registered) callbacks.on_all_registered();
        } catch (const Error& error) {
            // The repository filled up (or similar) part-way: stop what was
            // registered, record why on the parent, and report.
            request_stop(repository_, parent_.id, std::chrono::milliseconds(0));
            for (const Job& child : children) child.wait();
            detail::table_of(repository_).update(parent_.id, [&](detail::JobSlot& slot) {
                detail::set_outcome(slot, JobState::failed, error.what());
                return true;
            });
            throw;
        }
        for (const Job& child : children) child.wait();
    }
    update_parent(true);
    return repository_.find(parent_.id).value_or(parent_);
}

namespace {

// What the detached host reports through its pipe: the parent's id, or why it failed.
struct HostReport {
    JobId parent = 0;
    ErrorCode code = ErrorCode::system;
    char message[256] = {};
};

void send_report(int fd, const HostReport& report) {
    [[maybe_unused]] ssize_t ignored = ::write(fd, &report, sizeof report);  // < PIPE_BUF: one piece
    ::close(fd);
}

[[noreturn]] void run_detached_host(Repository& repository, const ForeachSpec& spec, int report_fd) {
    int null_fd = ::open("/dev/null", O_RDWR);
    for (int fd : {0, 1, 2}) ::dup2(null_fd, fd);
    ::close_range(3, static_cast<unsigned>(report_fd) - 1, 0);
    ::close_range(static_cast<unsigned>(report_fd) + 1, ~0u, 0);
    try {
        {
            StopOnSignals stop_on_signals;  // a shutdown stops the run rather than orphaning its commands
            ForeachJob job(repository, spec);
            stop_on_signals.watch(repository, job.parent().id);
            job.run({.on_child_registered = nullptr,
                     .on_all_registered = [&] { send_report(report_fd, {job.parent().id, ErrorCode::system, {}}); },
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
    detail::check_foreach_spec(spec);
    int report = detail::fork_detached(
        [&](int report_fd) { run_detached_host(repository, spec, report_fd); }, "the foreach host");
    HostReport answer;
    if (!detail::read_report(report, &answer, sizeof answer))
        throw Error(ErrorCode::system, "the detached foreach host did not start");
    if (answer.parent == 0) throw Error(answer.code, answer.message);
    auto parent = repository.find(answer.parent);
    if (!parent) throw Error(ErrorCode::system, "the detached foreach host did not register its job");
    return *parent;
}

}  // namespace jobctl
