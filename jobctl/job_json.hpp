#pragma once
// `--json`: one JSON document {"jobs": [...]} with every field of the job model.

#include <ostream>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::cli {

void print_job_json(std::ostream& out, const std::vector<JobInfo>& jobs);

}  // namespace jobctl::cli
