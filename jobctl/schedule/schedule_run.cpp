#include "schedule/schedule_run.hpp"

#include <algorithm>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"

namespace jobctl::cli {
namespace {

// Removes the oldest finished runs while more than max_results are kept; an
// unfinished one stays (it is counted, and goes once it has finished).
std::uint64_t evict_old_runs(Repository& repository, const ScheduleDefinition& definition) {
    std::vector<JobInfo> runs = runs_of(repository.list(), definition.name);
    std::uint64_t evicted = 0;
    for (const JobInfo& run : runs) {
        if (runs.size() - evicted <= definition.max_results) break;
        if (!run.finished()) continue;
        try {
            remove_job(repository, run.id);
            ++evicted;
        } catch (const Error& error) {
            if (error.code() == ErrorCode::job_not_found)
                ++evicted;  // someone removed it: gone all the same
            else if (error.code() != ErrorCode::job_busy)
                throw;
        }
    }
    return evicted;
}

}  // namespace

std::vector<JobInfo> runs_of(const std::vector<JobInfo>& jobs, const std::string& name) {
    std::vector<JobInfo> runs;
    std::ranges::copy_if(jobs, std::back_inserter(runs), [&](const JobInfo& job) {
        return job.type == JobType::scheduled && job.name == name;
    });
    return runs;
}

ProcessJobSpec run_spec(const ScheduleDefinition& definition) {
    ProcessJobSpec spec{.name = definition.name, .argv = definition.argv, .caller_exits_soon = true};
    spec.run.cwd = definition.cwd;
    spec.run.env = definition.env;
    spec.run.clear_env = true;  // env is the whole environment, recorded by `schedule add`
    spec.run.stdin_file = definition.stdin_file;
    spec.run.timeout = definition.timeout;
    spec.run.memory_limit_bytes = definition.memory_limit_bytes;
    spec.run.cpu_limit = definition.cpu_limit;
    spec.run.process_limit = definition.process_limit;
    spec.run.max_output = definition.max_output;
    spec.on_finish = definition.on_finish;
    spec.run.retry = definition.retry;
    spec.labels = definition.labels;
    spec.start_when.priority = definition.priority;
    spec.start_when.queue = definition.queue;
    spec.type = JobType::scheduled;
    return spec;
}

JobInfo start_schedule_run(Repository& repository, ScheduleDefinition& definition) {
    ProcessJobSpec spec = run_spec(definition);
    std::optional<JobInfo> job;
    if (definition.no_overlap) {
        std::vector<JobInfo> runs = runs_of(repository.list(), definition.name);
        auto going = std::ranges::find_if(runs.rbegin(), runs.rend(),
                                          [](const JobInfo& run) { return !run.finished(); });
        if (going != runs.rend())
            job = record_failed_process_job(
                repository, spec, "skipped: previous run " + std::to_string(going->id) + " still running");
    }
    if (!job) job = start_process_job(repository, spec);
    if (std::uint64_t evicted = evict_old_runs(repository, definition); evicted > 0) {
        definition.evicted += evicted;
        save_schedule(definition);
    }
    return *job;
}

}  // namespace jobctl::cli
