#pragma once
// Where received output goes: a job's stdout to stdout, its stderr to
// stderr, result records to stdout as JSON lines; in the log's order.

#include <string_view>

#include "jobctl/job.hpp"
#include "output/output_log.hpp"

namespace jobctl::cli {

void print_record(OutputStream stream, std::string_view bytes);

// After a job's output, when a full disk cost some of it: one line on stderr,
// "jobctl: job 3: output truncated: N bytes lost (no space left on device)".
void print_truncation(const JobInfo& job, std::string_view truncation);

}  // namespace jobctl::cli
