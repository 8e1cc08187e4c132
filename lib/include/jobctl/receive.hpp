#pragma once
// Receive-Job: hand over a job's output that was not yet received, then
// advance the job's read position (unless keeping it).

#include "jobctl/job.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/output_log.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

struct ReceiveOptions {
    bool keep = false;    // leave the output unreceived (HasMoreData stays true)
    bool follow = false;  // keep delivering new output until the job finishes
};

// Delivers the unreceived records of `id` to `sink` in the order they were
// written. Returns false if the job does not exist (or vanished when following).
bool receive_output(Repository& repository, JobId id, const ReceiveOptions& options, const OutputSink& sink);

}  // namespace jobctl
