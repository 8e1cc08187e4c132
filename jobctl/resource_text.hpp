#pragma once
// A job's resources as `get --resources` shows them: run time, CPU time and
// peak memory, each short enough for a table cell.

#include <string>

#include "jobctl/job.hpp"

namespace jobctl::cli {

// How long it ran (ended - began; so far, while it runs): "0.52s", "3m07s",
// "2h05m", "3d04h"; "" when it has not begun.
std::string run_time_text(const JobInfo& job, Clock::time_point now);

// CPU time: "0.00s", "1.02s", "3m07s".
std::string cpu_time_text(std::chrono::microseconds time);

// Memory in binary units, as ps and top show it: "840K", "212M", "1.5G".
std::string memory_text(std::uint64_t bytes);

}  // namespace jobctl::cli
