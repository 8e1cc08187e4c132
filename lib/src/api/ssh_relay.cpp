// The remote side of an ssh job in the durable mode (jobctl/ssh_job.hpp:
// serve_ssh_relay): started on the host by the local side's ssh as
// `jobctl __ssh-relay REQUEST WORDS...`, one per connection. It starts the
// command as a job of the remote user's repository (or finds the job
// again), then hands its whole output, from where the local side has got
// to, and its outcome back as frames (ssh/relay_frames.hpp). The job does
// not depend on it: when the connection goes, the relay goes, and the job
// runs on until the next relay follows it.

#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <string>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/ssh_job.hpp"
#include "process_jobs/ssh_run.hpp"
#include "ssh/relay_frames.hpp"
#include "ssh/remote_command.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// How much output is gathered before it is written out.
constexpr std::size_t kBatchBytes = 1u << 20;

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t wrote = ::write(fd, bytes.data(), bytes.size());
        if (wrote < 0 && errno == EINTR) continue;
        if (wrote <= 0) throw_system_error("cannot send to the local side", errno);
        bytes.remove_prefix(static_cast<std::size_t>(wrote));
    }
}

void send_frame(int fd, detail::RelayFrameKind kind, std::string_view bytes) {
    write_all(fd, detail::encode_frame(static_cast<std::uint8_t>(kind), bytes));
}

// "stop SECONDS": the grace; nothing for any other line.
std::optional<std::chrono::seconds> stop_grace(const std::string& line) {
    if (!line.starts_with("stop ") || line.size() == 5 || line.size() > 5 + 8) return std::nullopt;
    if (line.find_first_not_of("0123456789", 5) != std::string::npos) return std::nullopt;
    return std::chrono::seconds(std::stoul(line.substr(5)));
}

// Obeys the control line until "done" (then removes the job: its outcome
// is here) or its end (the connection is gone: the process exits, the job
// runs on). "stop SECONDS" stops the job unless a stop is under way (the
// local side says it again on each connection until it hears the end);
// "kill" stops it again, which kills what is left at once.
void obey_control_line(Repository& repository, JobId id, int control_fd) {
    std::string line;
    char c;
    for (;;) {
        ssize_t got = ::read(control_fd, &c, 1);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) ::_exit(0);
        if (c != '\n') {
            if (line.size() < 64) line.push_back(c);
            continue;
        }
        try {
            if (auto grace = stop_grace(line)) {
                auto job = repository.find(id);
                if (job && !job->stop_requested) request_stop(repository, id, *grace);
            } else if (line == "kill") {
                request_stop(repository, id, std::chrono::milliseconds(0));
            } else if (line == "done") {
                remove_job(repository, id);
                return;
            }
        } catch (const std::exception&) {  // a bad line, or the job gone: nothing to do
            if (line == "done") return;
        }
        line.clear();
    }
}

// The job's own id: started now, or by an earlier connection whose word of
// it was lost (found by its name, which is unique).
JobId start_or_find(Repository& repository, const detail::RelayRequest& request,
                    const detail::RemoteWords& words) {
    std::vector<JobInfo> named = find_jobs_named(repository, request.name);
    if (!named.empty()) return named.back().id;
    ProcessJobSpec spec;
    spec.name = request.name;
    spec.argv = words.command;
    spec.run = words.run;
    return start_process_job(repository, spec).id;
}

}  // namespace

int serve_ssh_relay(const std::vector<std::string>& arguments, int control_fd, int out_fd) {
    auto request = arguments.empty() ? std::nullopt : detail::decode_request(arguments.front());
    auto words =
        request ? detail::decode_remote_words({arguments.begin() + 1, arguments.end()}) : std::nullopt;
    if (!words)
        throw Error(ErrorCode::invalid_argument,
                    "not a request of an ssh job (jobctl __ssh-relay is run by a job's ssh, never by hand)");
    write_all(out_fd, detail::kRelayMarker);
    // Its own repository's trouble (a home it cannot make, a damaged table)
    // is one line for the local side, which ends the job with it.
    std::optional<Repository> opened;
    try {
        opened.emplace(Repository::open());
    } catch (const Error& error) {
        send_frame(out_fd, detail::RelayFrameKind::refused, error.what());
        return 1;
    }
    Repository& repository = *opened;
    JobId id = request->job;
    if (!request->name.empty()) {
        try {
            id = start_or_find(repository, *request, *words);
        } catch (const Error& error) {
            send_frame(out_fd, detail::RelayFrameKind::refused, error.what());
            return 1;
        }
        send_frame(out_fd, detail::RelayFrameKind::started, std::to_string(id));
    }
    std::optional<JobInfo> job = repository.find(id);
    if (!job) {
        send_frame(out_fd, detail::RelayFrameKind::refused,
                   "job " + std::to_string(id) + " is no longer in the repository there");
        return 1;
    }
    if (request->stop && !job->stop_requested && !job->finished())
        request_stop(repository, id, *request->stop);
    // It ends the process at the end of the line, and returns at "done".
    std::thread control([&repository, id, control_fd] { obey_control_line(repository, id, control_fd); });
    // The output from where the local side has got to: the whole log again,
    // its first `skip` bytes left out (records are the same each time).
    std::uint64_t skip = request->skip;
    std::string batch;
    ReceiveOptions options;
    options.all = true;  // nothing is marked received there: the local side's count says
    options.follow = true;
    options.on_delivered = [&] {
        write_all(out_fd, batch);
        batch.clear();
    };
    struct DetachUnlessJoined {  // an error on the way out leaves the thread to the exit
        std::thread& thread;
        ~DetachUnlessJoined() {
            if (thread.joinable()) thread.detach();
        }
    } detach_on_error{control};
    receive_output(repository, id, options,
                   [&](OutputStream stream, std::string_view bytes, Clock::time_point read) {
                       std::uint64_t left_out = std::min<std::uint64_t>(skip, bytes.size());
                       skip -= left_out;
                       bytes.remove_prefix(left_out);
                       if (bytes.empty()) return;
                       batch += detail::encode_frame(
                           static_cast<std::uint8_t>(stream), bytes,
                           std::chrono::duration_cast<std::chrono::nanoseconds>(read.time_since_epoch()));
                       // A long backlog goes out as it is read, not gathered whole.
                       if (batch.size() >= kBatchBytes) {
                           write_all(out_fd, batch);
                           batch.clear();
                       }
                   });
    write_all(out_fd, batch);
    job = repository.find(id);
    if (!job) throw job_not_found(id);
    detail::RemoteOutcome outcome{job->state, job->exit_code, job->term_signal.value_or(0), job->reason};
    send_frame(out_fd, detail::RelayFrameKind::ended, detail::encode_outcome(outcome));
    control.join();
    return 0;
}

std::optional<RemoteSide> remote_side(const Repository& repository, JobId id) {
    auto note = detail::noted_remote_side(detail::table_of(repository).job_directory(id));
    if (!note) return std::nullopt;
    return note->side;
}

}  // namespace jobctl
