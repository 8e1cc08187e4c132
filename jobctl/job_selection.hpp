#pragma once
// How commands name jobs: ids or names as arguments, narrowed by --state and --newest.

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

struct JobSelector {
    std::vector<std::string> jobs;    // ids or names
    std::vector<std::string> states;  // --state, any of
    std::optional<unsigned> newest;   // --newest N
    bool include_children = false;    // --include-children (children named explicitly are always in)

    bool empty() const { return jobs.empty() && states.empty() && !newest; }
};

void add_selector_options(CLI::App& command, JobSelector& selector);
// --name NAME for a new job; an empty NAME is refused (leave --name out for the default).
void add_name_option(CLI::App& command, std::string& name, const std::string& description);
void add_include_children_flag(CLI::App& command, JobSelector& selector);

// The selected jobs by id, liveness-checked. With nothing named, every job
// (if `all_when_empty`) or a usage error. Unknown and ambiguous names throw.
std::vector<JobInfo> select_jobs(Repository& repository, const JobSelector& selector, bool all_when_empty);

std::vector<JobId> ids_of(const std::vector<JobInfo>& jobs);

// The job that an id or a name among `jobs` names. Errors: job_not_found, ambiguous_job.
const JobInfo& resolve_job(const std::vector<JobInfo>& jobs, const std::string& token);

}  // namespace jobctl::cli
