#include "job_selection.hpp"

#include <fnmatch.h>

#include <algorithm>
#include <deque>
#include <iostream>
#include <set>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobs_table_printer.hpp"
#include "time_option.hpp"

namespace jobctl::cli {
namespace {

// The jobs among `jobs` that the selector's ids, names and wildcards name, by id.
std::vector<JobInfo> named_among(const std::vector<JobInfo>& jobs, const JobSelector& selector) {
    std::vector<JobInfo> selected;
    std::set<JobId> seen;
    for (const std::string& token : selector.jobs) {
        if (!is_wildcard(token)) {
            if (!selector.every_match) {
                const JobInfo& job = resolve_job(jobs, token);
                if (seen.insert(job.id).second) selected.push_back(job);
                continue;
            }
            for (const JobInfo* job : jobs_named(jobs, token))
                if (seen.insert(job->id).second) selected.push_back(*job);
            continue;
        }
        // A wildcard selects among the top-level jobs unless told otherwise, as listing does.
        for (const JobInfo& job : jobs)
            if ((job.parent_id == 0 || selector.include_children) &&
                ::fnmatch(token.c_str(), job.name.c_str(), 0) == 0 && seen.insert(job.id).second)
                selected.push_back(job);
    }
    std::ranges::sort(selected, {}, &JobInfo::id);
    return selected;
}

// The jobs the selector names by id or by name, each found through the
// table's index instead of in a listing of the whole table: `get 7` or
// `get build` in a big table. Empty when a wildcard is among the tokens,
// or none is given. Errors: job_not_found, ambiguous_job (as named_among).
std::optional<std::vector<JobInfo>> find_named(Repository& repository, const JobSelector& selector) {
    const std::vector<std::string>& tokens = selector.jobs;
    if (tokens.empty() || std::ranges::any_of(tokens, is_wildcard)) return std::nullopt;
    std::vector<JobId> ids;
    for (const std::string& token : tokens) {
        if (is_job_id(token)) {
            ids.push_back(static_cast<JobId>(std::stoul(token)));
            continue;
        }
        for (const JobInfo& job : find_jobs_named(repository, token)) ids.push_back(job.id);
    }
    return named_among(find_jobs(repository, ids), selector);
}

// `selected` narrowed by the selector's filters, then to the newest N.
std::vector<JobInfo> narrowed(std::vector<JobInfo> selected, const JobSelector& selector) {
    std::erase_if(selected, [&](const JobInfo& job) { return !selector.passes_filters(job); });
    if (selector.newest && selected.size() > *selector.newest)
        selected.erase(selected.begin(), selected.end() - *selector.newest);
    return selected;
}

}  // namespace

std::vector<const JobInfo*> jobs_named(const std::vector<JobInfo>& jobs, const std::string& token) {
    if (is_job_id(token)) {
        JobId id = static_cast<JobId>(std::stoul(token));
        auto it = std::ranges::find(jobs, id, &JobInfo::id);
        if (it == jobs.end()) throw job_not_found(id);
        return {&*it};
    }
    std::vector<const JobInfo*> matches;
    for (const JobInfo& job : jobs)
        if (job.name == token) matches.push_back(&job);
    if (matches.empty()) throw job_not_found(token);
    return matches;
}

const JobInfo& resolve_job(const std::vector<JobInfo>& jobs, const std::string& token) {
    std::vector<const JobInfo*> matches = jobs_named(jobs, token);
    if (matches.size() > 1) {
        std::string ids;
        for (const JobInfo* job : matches) ids += (ids.empty() ? "" : ", ") + std::to_string(job->id);
        throw Error(ErrorCode::ambiguous_job, "name '" + token + "' matches jobs " + ids +
                                                  ": name the one to act on by id (get, wait, watch and "
                                                  "receive --keep or --all take them all)");
    }
    return *matches.front();
}

void add_name_option(CLI::App& command, std::string& name, const std::string& description) {
    command.add_option("--name", name, description)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string { return text.empty() ? "a job name cannot be empty" : ""; },
            "NAME"));
}

bool is_job_id(const std::string& token) {
    return !token.empty() && token.size() <= 9 && token.find_first_not_of("0123456789") == std::string::npos;
}

bool is_wildcard(const std::string& token) {
    return token.find_first_of("*?[") != std::string::npos;
}

bool JobSelector::passes_filters(const JobInfo& job) const {
    if (!states.empty() && std::ranges::none_of(states, [&](const std::string& text) {
            return parse_job_state(text) == job.state;
        }))
        return false;
    if (!command_pattern.empty() && ::fnmatch(command_pattern.c_str(), job.command.c_str(), 0) != 0)
        return false;
    for (const std::string& label : labels) {
        std::size_t equals = label.find('=');
        std::optional<std::string> value = job.label(label.substr(0, equals));
        if (!value || (equals != std::string::npos && *value != label.substr(equals + 1))) return false;
    }
    if (has_more_data && !job.has_more_data()) return false;
    if (created_before && !(job.created && *job.created < *created_before)) return false;
    if (created_after && !(job.created && *job.created > *created_after)) return false;
    return true;
}

void add_selector_options(CLI::App& command, JobSelector& selector) {
    command.add_option("jobs", selector.jobs, "Jobs by id, name, or name wildcard ('build-*', quoted)");
    command
        .add_option("--state", selector.states,
                    "Only jobs in this state (repeat, or separate with commas): NotStarted, Running, "
                    "Stopping, Stopped, Completed, Failed, Blocked, Suspending, Suspended")
        ->type_name("STATE")
        ->allow_extra_args(false)
        ->delimiter(',')
        ->check([](const std::string& text) {
            return parse_job_state(text) ? std::string() : "unknown state '" + text + "'";
        });
    command
        .add_option("--command", selector.command_pattern,
                    "Only jobs whose command matches this shell wildcard ('make *', quoted)")
        ->type_name("GLOB");
    add_label_filter(command, selector.labels);
    command.add_flag("--has-more-data", selector.has_more_data, "Only jobs with output not yet received");
    add_time_option(command, "--before", selector.created_before,
                    "Only jobs created before TIME (2026-11-27T14:30, or a time ago: 2h, 7d)");
    add_time_option(command, "--after", selector.created_after,
                    "Only jobs created after TIME (2026-11-27T14:30, or a time ago: 2h, 7d)");
    command.add_option("--newest", selector.newest, "Only the N most recently started of them")
        ->check(CLI::Range(1u, 1000000000u));
}

void add_label_filter(CLI::App& command, std::vector<std::string>& labels) {
    command
        .add_option("--label", labels,
                    "Only jobs with this label: KEY=VALUE, or KEY for any value (repeat: all of them)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false)
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                try {  // as a label is given (KEY alone: with any value)
                    check_labels({text.find('=') == std::string::npos ? text + "=" : text});
                    return "";
                } catch (const Error& error) {
                    return error.what();
                }
            },
            ""));
}

void add_label_option(CLI::App& command, std::vector<std::string>& labels, const std::string& whose) {
    command
        .add_option(
            "--label", labels,
            "Label " + whose + " KEY=VALUE, to select with --label later (repeatable; shown in get --json)")
        ->type_name("KEY=VALUE")
        ->allow_extra_args(false);  // one value each: the command after it is never taken for more
}

void add_finished_flag(CLI::App& command, JobSelector& selector) {
    command
        .add_flag_callback(
            "--finished",
            [&selector] {
                for (const char* state : {"Completed", "Failed", "Stopped"})
                    selector.states.emplace_back(state);
            },
            "Only finished jobs: short for --state Completed,Failed,Stopped")
        ->excludes("--state");
}

void add_dry_run_flag(CLI::App& command, bool& dry_run) {
    command.add_flag("-n,--dry-run", dry_run, "Print the jobs it would act on, and change nothing");
}

void print_dry_run(const std::vector<JobInfo>& jobs, const std::string& verb) {
    if (jobs.empty()) {
        std::cout << "dry run: no job to " << verb << '\n';
        return;
    }
    std::cout << "dry run: would " << verb << " " << jobs.size() << (jobs.size() == 1 ? " job" : " jobs")
              << ":\n";
    print_job_table(std::cout, jobs);
}

std::vector<JobInfo> select_among(const std::vector<JobInfo>& jobs, const JobSelector& selector) {
    if (!selector.jobs.empty()) return narrowed(named_among(jobs, selector), selector);
    std::vector<JobInfo> selected = jobs;
    if (!selector.include_children)
        std::erase_if(selected, [](const JobInfo& job) { return job.parent_id != 0; });
    return narrowed(std::move(selected), selector);
}

std::vector<JobInfo> select_jobs(Repository& repository, const JobSelector& selector, bool all_when_empty) {
    if (selector.empty() && !all_when_empty)
        throw Error(
            ErrorCode::invalid_argument,
            "name at least one job (id, name or wildcard), or select with --state, --command, --label, "
            "--has-more-data, --before or --after");
    if (auto named = find_named(repository, selector)) return narrowed(std::move(*named), selector);
    return select_among(list_jobs(repository), selector);
}

bool visit_selected(Repository& repository, const JobSelector& selector,
                    const std::function<void(JobInfo&)>& visit,
                    const std::function<void(JobId highest)>& before_first) {
    if (!std::ranges::all_of(selector.jobs, is_wildcard)) return false;
    // --newest N: the last N selected, kept as the table is read (N jobs, not the table).
    std::deque<JobInfo> newest;
    JobId highest = 0;
    for_each_job(
        repository,
        [&](JobInfo& job) {
            // As select_among: children only when asked for; a wildcard matches names.
            bool named =
                selector.jobs.empty() || std::ranges::any_of(selector.jobs, [&](const std::string& token) {
                    return ::fnmatch(token.c_str(), job.name.c_str(), 0) == 0;
                });
            if ((job.parent_id != 0 && !selector.include_children) || !named || !selector.passes_filters(job))
                return true;
            if (!selector.newest) {
                visit(job);
            } else if (*selector.newest > 0) {
                if (newest.size() == *selector.newest) newest.pop_front();
                newest.push_back(job);
            }
            return true;
        },
        [&](JobId last) {
            highest = last;
            if (before_first && !selector.newest) before_first(last);
        });
    if (selector.newest) {
        if (before_first) before_first(highest);
        for (JobInfo& job : newest) visit(job);
    }
    return true;
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
