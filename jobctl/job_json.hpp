#pragma once
// `--json`: one JSON document {"jobs": [...]} with every field of the job model.

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::cli {

void print_job_json(std::ostream& out, const std::vector<JobInfo>& jobs);

// "2026-11-27T14:30:05.123456Z" (UTC); "" for no time.
std::string iso_time(const std::optional<Clock::time_point>& time);

}  // namespace jobctl::cli
