#include "jobctl/job_handle.hpp"

#include "jobctl/error.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/receive.hpp"
#include "jobs/job_lookup.hpp"

namespace jobctl {

JobInfo Job::info() const {
    return detail::require_job(*repository_, id_);
}

void Job::wait() const {
    wait_for_jobs(*repository_, {id_}, WaitMode::all, std::nullopt);
}

bool Job::wait_for(std::chrono::milliseconds timeout) const {
    return wait_for_jobs(*repository_, {id_}, WaitMode::all, deadline_after(timeout)).has_value();
}

void Job::stop(std::chrono::milliseconds grace) const {
    request_stop(*repository_, id_, grace);
}

void Job::suspend() const {
    request_suspend(*repository_, id_);
}

void Job::resume() const {
    request_resume(*repository_, id_);
}

ReceivedOutput Job::receive_output(bool keep) const {
    ReceivedOutput received;
    ReceiveOptions options;
    options.keep = keep;
    options.on_truncated = [&](const JobInfo&, std::string_view truncation) {
        if (received.truncation.empty()) received.truncation = truncation;
    };
    jobctl::receive_output(*repository_, id_, options, [&](OutputStream stream, std::string_view bytes) {
        switch (stream) {
            case OutputStream::out:
                received.out.append(bytes);
                break;
            case OutputStream::result:
                received.results.emplace_back(bytes);
                break;
            default:
                received.err.append(bytes);
                break;
        }
    });
    return received;
}

}  // namespace jobctl
