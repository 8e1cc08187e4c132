#pragma once
// How commands name jobs: ids, names or name wildcards as arguments,
// narrowed by --state, --command, --label, --has-more-data, --before,
// --after and --newest.

#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

struct JobSelector {
    std::vector<std::string> jobs;    // ids, names, or name wildcards ('build-*')
    std::vector<std::string> states;  // --state, any of
    std::string command_pattern;      // --command GLOB
    std::vector<std::string> labels;  // --label KEY=VALUE (or KEY: any value), all of
    bool has_more_data = false;       // --has-more-data
    std::optional<Clock::time_point> created_before, created_after;  // --before, --after
    std::optional<unsigned> newest;                                  // --newest N
    bool include_children = false;  // --include-children (children named explicitly are always in)
    // A name that several jobs share selects them all (Get-Job -Name), for
    // the verbs that only read; the others refuse it as ambiguous.
    bool every_match = false;

    // Nothing narrows the selection: no job named, no filter.
    bool empty() const { return jobs.empty() && !has_filter() && !newest; }
    bool has_filter() const {
        return !states.empty() || !command_pattern.empty() || !labels.empty() || has_more_data ||
               created_before || created_after;
    }
    // Whether `job` passes the filters (not the names, not --newest).
    bool passes_filters(const JobInfo& job) const;
};

void add_selector_options(CLI::App& command, JobSelector& selector);
// --finished of remove: --state Completed,Failed,Stopped.
void add_finished_flag(CLI::App& command, JobSelector& selector);
// --dry-run of stop and remove: selection printed, nothing done.
void add_dry_run_flag(CLI::App& command, bool& dry_run);
// What --dry-run prints: the jobs that would be acted on, as `get` shows them.
void print_dry_run(const std::vector<JobInfo>& jobs, const std::string& verb);
// --name NAME for a new job; an empty NAME is refused (leave --name out for the default).
void add_name_option(CLI::App& command, std::string& name, const std::string& description);
// --label KEY=VALUE or KEY (repeatable): only jobs with all of these labels.
void add_label_filter(CLI::App& command, std::vector<std::string>& labels);
// --label KEY=VALUE (repeatable) for the jobs a verb creates.
void add_label_option(CLI::App& command, std::vector<std::string>& labels, const std::string& whose);
void add_include_children_flag(CLI::App& command, JobSelector& selector);

// The selected jobs by id, liveness-checked. With nothing named, every job
// (if `all_when_empty`) or a usage error. Unknown and ambiguous names throw;
// a wildcard may match any number of jobs, none included.
std::vector<JobInfo> select_jobs(Repository& repository, const JobSelector& selector, bool all_when_empty);
// The jobs select_jobs(…, true) selects, handed to `visit` one at a time, by
// id, as the table is read (for_each_job): what `get` of a million jobs
// prints from at once (with --newest N, once the table is read, keeping
// only N meanwhile). Only where no job is named but by wildcards; false,
// having visited nothing, otherwise.
// `before_first` is told the highest id that may come (for_each_job).
bool visit_selected(Repository& repository, const JobSelector& selector,
                    const std::function<void(JobInfo&)>& visit,
                    const std::function<void(JobId highest)>& before_first = nullptr);
// The same among `jobs`, a listing by id (list_jobs, JobEventStream::jobs),
// with every job when nothing is named. Errors: as select_jobs.
std::vector<JobInfo> select_among(const std::vector<JobInfo>& jobs, const JobSelector& selector);

std::vector<JobId> ids_of(const std::vector<JobInfo>& jobs);

// The jobs among `jobs` that an id or a name names (a name may name several). Errors: job_not_found.
std::vector<const JobInfo*> jobs_named(const std::vector<JobInfo>& jobs, const std::string& token);
// The one job that an id or a name among `jobs` names. Errors: job_not_found, ambiguous_job.
const JobInfo& resolve_job(const std::vector<JobInfo>& jobs, const std::string& token);

// A token of 1 to 9 digits is an id (a name is never all digits).
bool is_job_id(const std::string& token);
// A name with *, ? or [ in it is a shell wildcard, matched against names.
bool is_wildcard(const std::string& token);

}  // namespace jobctl::cli
