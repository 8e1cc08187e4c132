#pragma once
// One run of a schedule: an ordinary process job of type `scheduled`, named
// after the schedule, with the definition's folder, environment, time limit
// and queue. Then the schedule's oldest runs past --max-results go.

#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "schedule/schedule_store.hpp"

namespace jobctl::cli {

// The runs of schedule `name` among `jobs` (its scheduled jobs), by id.
std::vector<JobInfo> runs_of(const std::vector<JobInfo>& jobs, const std::string& name);

// How the definition's runs start (checked when the schedule is added).
ProcessJobSpec run_spec(const ScheduleDefinition& definition);

// Starts one run now (call under the ScheduleLock). With no_overlap and an
// earlier run unfinished, records a Failed run ("skipped: previous run 41
// still running") instead. Evicts the oldest finished runs beyond
// max_results, counting them in the definition (saved). Errors: those of
// start_process_job.
JobInfo start_schedule_run(Repository& repository, ScheduleDefinition& definition);

}  // namespace jobctl::cli
