#pragma once
// Where received output goes: a job's stdout to stdout, its stderr to
// stderr, result records to stdout as JSON lines; in the log's order.

#include <csignal>
#include <stdexcept>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"

namespace jobctl::cli {

// The reader of stdout or stderr has gone (EPIPE: `jobctl run ... | head -2`).
// One rule for every verb: stop quietly and exit 141 (128 + SIGPIPE), as a
// shell expects of a command whose reader closed early; what was not written
// stays unreceived. Verbs that leave SIGPIPE alone die of it, to the same
// effect; those that must clean up first (run, foreach) ignore it, get this
// instead, clean up, and jobctl_main turns it into kReaderGone.
class ReaderGone : public std::runtime_error {
public:
    ReaderGone() : std::runtime_error("the reader of the output has gone") {}
};
constexpr int kReaderGone = 128 + SIGPIPE;

// Throws ReaderGone on EPIPE, Error (system) on any other failure.
void print_record(OutputStream stream, std::string_view bytes);

// After a job's output, when a full disk cost some of it: one line on stderr,
// "jobctl: job 3: output truncated: N bytes lost (no space left on device)".
void print_truncation(const JobInfo& job, std::string_view truncation);

}  // namespace jobctl::cli
