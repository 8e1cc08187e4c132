#pragma once
// A parent's HasMoreData covers its children's (list_jobs, JobEventStream).

#include <vector>

#include "jobctl/job.hpp"

namespace jobctl::detail {

// Sets children_have_more_data on each parent in `jobs` with a child whose output is unreceived.
void mark_parents_with_more_data(std::vector<JobInfo>& jobs);

}  // namespace jobctl::detail
