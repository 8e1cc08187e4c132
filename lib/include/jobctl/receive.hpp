#pragma once
// Receive-Job: hand over a job's output that was not yet received, then
// advance the job's read position (unless keeping it); or read the whole
// output again, from its start, while the job exists.

#include <cstdint>
#include <functional>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// The streams of a job's output log. A process job writes out and err; a
// thread job also writes result records (one JSON document each).
enum class OutputStream : std::uint8_t { out = 1, err = 2, result = 3, info = 4 };

using OutputSink = std::function<void(OutputStream stream, std::string_view bytes)>;
// The same, with the time the bytes were read from the command (or written by a thread job).
using TimedOutputSink =
    std::function<void(OutputStream stream, std::string_view bytes, Clock::time_point read)>;

// Told that a job's output is incomplete: `truncation` is the end of its
// reason, "output truncated: N bytes lost (no space left on device)".
using TruncationSink = std::function<void(const JobInfo& job, std::string_view truncation)>;

struct ReceiveOptions {
    bool keep = false;    // leave the output unreceived (HasMoreData stays true)
    bool follow = false;  // keep delivering new output until the job finishes
    // Deliver the whole output from its start, received or not, and mark
    // nothing received (as keep): reading again changes nothing.
    bool all = false;
    // Called after the records of a job that has finished and lost output to
    // a full disk, on every receive of it (including one that had nothing
    // left to deliver), so that whoever receives it knows it is incomplete.
    TruncationSink on_truncated = nullptr;
    // Called once, when the output written before the call has been
    // delivered (for a parent: its children's and its own), before anything
    // written later: where a follower's backlog ends (a tail is cut there).
    // The backlog is marked received (and a truncation said) only after it
    // returns: a receiver may keep the backlog until then and write it here.
    std::function<void()> on_caught_up = nullptr;
    // Called after each batch of records was given to the sink, before they
    // are marked received and before any wait for more: a sink that buffers
    // (to write in large blocks) writes out here, so that nothing marked
    // received is lost if it dies later. May throw, as the sink may.
    std::function<void()> on_delivered = nullptr;
};

// Delivers the unreceived records of `id` to `sink` in the order they were
// written (for a parent, each child's in turn, then its own).
// Errors: job_not_found (also when the job, or one of a parent's children,
// is removed before all of its output was delivered: what was delivered is
// then a part); system or repository_unusable (a damaged log);
// whatever `sink` throws.
void receive_output(Repository& repository, JobId id, const ReceiveOptions& options, const OutputSink& sink);
void receive_output(Repository& repository, JobId id, const ReceiveOptions& options,
                    const TimedOutputSink& sink);

}  // namespace jobctl
