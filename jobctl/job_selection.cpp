#include "job_selection.hpp"

#include <algorithm>
#include <set>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs/job_lookup.hpp"

namespace jobctl::cli {
namespace {

bool is_id(const std::string& text) {
    return !text.empty() && text.size() <= 9 && text.find_first_not_of("0123456789") == std::string::npos;
}

}  // namespace

const JobInfo& resolve_job(const std::vector<JobInfo>& jobs, const std::string& token) {
    if (is_id(token)) {
        JobId id = static_cast<JobId>(std::stoul(token));
        auto it = std::ranges::find(jobs, id, &JobInfo::id);
        if (it == jobs.end()) throw detail::job_not_found(id);
        return *it;
    }
    std::vector<const JobInfo*> matches;
    for (const JobInfo& job : jobs)
        if (job.name == token) matches.push_back(&job);
    if (matches.empty()) throw detail::job_not_found(token);
    if (matches.size() > 1) {
        std::string ids;
        for (const JobInfo* job : matches) ids += (ids.empty() ? "" : ", ") + std::to_string(job->id);
        throw Error(ErrorCode::ambiguous_job,
                    "name '" + token + "' matches jobs " + ids + "; name one by id");
    }
    return *matches.front();
}

void add_name_option(CLI::App& command, std::string& name, const std::string& description) {
    command.add_option("--name", name, description)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string { return text.empty() ? "a job name cannot be empty" : ""; },
            "NAME"));
}

void add_selector_options(CLI::App& command, JobSelector& selector) {
    command.add_option("jobs", selector.jobs, "Jobs by id or name");
    command
        .add_option("--state", selector.states,
                    "Only jobs in this state (repeat, or separate with commas): NotStarted, Running, "
                    "Stopping, Stopped, Completed, Failed, Blocked, Suspending, Suspended")
        ->allow_extra_args(false)
        ->delimiter(',')
        ->check([](const std::string& text) {
            return parse_job_state(text) ? std::string() : "unknown state '" + text + "'";
        });
    command.add_option("--newest", selector.newest, "Only the N most recently started of them")
        ->check(CLI::Range(1u, 1000000000u));
}

std::vector<JobInfo> select_jobs(Repository& repository, const JobSelector& selector, bool all_when_empty) {
    if (selector.empty() && !all_when_empty)
        throw Error(ErrorCode::invalid_argument, "name at least one job (id or name), or use --state");
    std::vector<JobInfo> jobs = list_jobs(repository);
    std::vector<JobInfo> selected;
    if (selector.jobs.empty()) {
        selected = jobs;
        if (!selector.include_children)
            std::erase_if(selected, [](const JobInfo& job) { return job.parent_id != 0; });
    } else {
        std::set<JobId> seen;
        for (const std::string& token : selector.jobs) {
            const JobInfo& job = resolve_job(jobs, token);
            if (seen.insert(job.id).second) selected.push_back(job);
        }
        std::ranges::sort(selected, {}, &JobInfo::id);
    }
    if (!selector.states.empty()) {
        std::erase_if(selected, [&](const JobInfo& job) {
            return std::ranges::none_of(
                selector.states, [&](const std::string& text) { return parse_job_state(text) == job.state; });
        });
    }
    if (selector.newest && selected.size() > *selector.newest)
        selected.erase(selected.begin(), selected.end() - *selector.newest);
    return selected;
}

void add_include_children_flag(CLI::App& command, JobSelector& selector) {
    command.add_flag("--include-children", selector.include_children,
                     "Also list the child jobs of parents (foreach); they are hidden by default");
}

std::vector<JobId> ids_of(const std::vector<JobInfo>& jobs) {
    std::vector<JobId> ids;
    for (const JobInfo& job : jobs) ids.push_back(job.id);
    return ids;
}

}  // namespace jobctl::cli
