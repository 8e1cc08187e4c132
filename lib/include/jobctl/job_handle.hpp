#pragma once
// A handle on one job of a repository, as a C++ program sees it: wait for
// it, receive its output and results, stop, suspend or resume it. Works for any job type.

#include <cereal/archives/json.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// What a receive hands over, stream by stream.
struct ReceivedOutput {
    std::string out;
    std::string err;
    std::vector<std::string> results;  // one JSON document per result record
    // Once the job has finished: "output truncated: N bytes lost (no space
    // left on device)" if a full disk cost it output, else empty. (For a
    // foreach parent: that of its first child that lost output.)
    std::string truncation;
};

class Job {
public:
    Job(Repository& repository, JobId id) : repository_(&repository), id_(id) {}

    JobId id() const { return id_; }
    // The job as it is now. Errors: job_not_found (removed).
    JobInfo info() const;

    // Until the job has finished. Errors: job_not_found (removed before
    // the wait saw it finish), system.
    void wait() const;
    // False if the job is still unfinished after `timeout`. Errors: as wait.
    bool wait_for(std::chrono::milliseconds timeout) const;

    // request_stop. Errors: job_not_found.
    void stop(std::chrono::milliseconds grace = kDefaultStopGrace) const;
    // request_suspend, request_resume. Errors: job_not_found;
    // invalid_argument (suspend of a library thread job).
    void suspend() const;
    void resume() const;

    // Receive-Job: everything not received yet; advances the read position unless `keep`.
    // Errors: job_not_found; system (an unreadable log).
    ReceivedOutput receive_output(bool keep = false) const;

    // The result records not received yet, deserialised by cereal. Text
    // output received along with them is dropped; use receive_output for both.
    // Errors: as receive_output; cereal::Exception for a record that is not a T.
    template <class T>
    std::vector<T> receive(bool keep = false) const {
        std::vector<T> values;
        for (const std::string& json : receive_output(keep).results) {
            std::istringstream text(json);
            cereal::JSONInputArchive archive(text);
            T value;
            archive(cereal::make_nvp("result", value));
            values.push_back(std::move(value));
        }
        return values;
    }

private:
    Repository* repository_;
    JobId id_;
};

}  // namespace jobctl
