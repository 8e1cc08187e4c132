#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>

#include "commands.hpp"
#include "duration_option.hpp"
#include "event_printer.hpp"
#include "exit_codes.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_events.hpp"
#include "printable_text.hpp"
#include "terminal_style.hpp"

namespace jobctl::cli {
namespace {

struct WatchOptions {
    JobSelector selector;
    bool json = false;
    ColorChoice color = ColorChoice::automatic;
    std::optional<std::chrono::milliseconds> timeout;
};

// Whether the named jobs have all finished or gone; if so, `exit_code` is
// wait's status for them: a job removed (or evicted) before its end was
// seen fails it, as for wait (exit 3, named with the state last seen).
bool all_finished(const std::vector<JobInfo>& jobs, const std::set<JobId>& named,
                  const std::map<JobId, JobInfo>& last_seen, int& exit_code) {
    std::vector<const JobInfo*> finished;
    for (const JobInfo& job : jobs) {
        if (!named.contains(job.id)) continue;
        if (!job.finished()) return false;
        finished.push_back(&job);
    }
    exit_code = kSuccess;
    for (const JobInfo* job : finished)
        if (exit_code_of_outcome(*job, false) != kSuccess) exit_code = kJobFailed;
    for (JobId id : named) {
        if (std::ranges::any_of(finished, [&](const JobInfo* job) { return job->id == id; })) continue;
        auto seen = last_seen.find(id);
        std::cerr << "jobctl: job " << id;
        if (seen != last_seen.end())
            std::cerr << " (" << printable(seen->second.name) << ") was removed while watched; last seen "
                      << to_string(seen->second.state)
                      << (seen->second.reason.empty() ? "" : " (" + printable(seen->second.reason) + ")");
        else
            std::cerr << " was removed before it could be watched";
        std::cerr << '\n';
        exit_code = kJobNotFound;
    }
    return true;
}

// Prints the events of the named jobs (of every job when none is named)
// until the named jobs have all finished, or the deadline.
void follow(JobEventStream& events, const WatchOptions& options, const std::set<JobId>& named,
            int& exit_code) {
    const bool color = use_color(options.color, STDOUT_FILENO);
    auto wanted = [&](const JobEvent& event) {
        const JobInfo& job = event.job;
        bool top_level = job.parent_id == 0 || options.selector.include_children;
        if (!named.empty())
            return named.contains(job.id) ||
                   (options.selector.include_children && named.contains(job.parent_id));
        return top_level && options.selector.passes_filters(job);
    };
    Deadline deadline = deadline_after(options.timeout);
    std::map<JobId, JobInfo> last_seen;  // of the named jobs
    for (const JobInfo& job : events.jobs())
        if (named.contains(job.id)) last_seen.insert_or_assign(job.id, job);
    while (named.empty() || !all_finished(events.jobs(), named, last_seen, exit_code)) {
        std::vector<JobEvent> batch = events.next(deadline);
        for (const JobEvent& event : batch)
            if (named.contains(event.job.id)) last_seen.insert_or_assign(event.job.id, event.job);
        if (batch.empty())
            throw Error(ErrorCode::timeout, "timed out after " + format_duration(*options.timeout) +
                                                "; the jobs go on (see 'jobctl get')");
        for (const JobEvent& event : batch) {
            if (!wanted(event)) continue;
            if (options.json)
                print_event_json(std::cout, event);
            else
                print_event_line(std::cout, event, color);
        }
        std::cout.flush();  // a script reading a pipe sees each change as it happens
    }
}

}  // namespace

void add_watch_command(CLI::App& app, int& exit_code) {
    auto options = std::make_shared<WatchOptions>();
    CLI::App* command =
        app.add_subcommand("watch", "Print each change of jobs' states as it happens (StateChanged)");
    command->footer(
        "One line per change: time, id, name, old state -> new state, and the reason; with --json one\n"
        "JSON object per line. Every change is reported once, in order, also when several happen at once.\n"
        "With jobs named, it reports theirs and exits when all of them have finished, with wait's exit\n"
        "status (0 all Completed, 1 one Failed or Stopped, 4 on --timeout). With none named, it reports\n"
        "every job's changes, jobs created and removed, and progress, until Ctrl-C.\n"
        "Examples: jobctl watch; jobctl watch build test; jobctl watch --json 'ci-*'; jobctl watch --state "
        "Failed");
    add_selector_options(*command, options->selector);
    options->selector.every_match = true;  // it only reads: every job of a name
    command->add_flag("--include-children", options->selector.include_children,
                      "Also report the child jobs of parents (foreach); they are left out by default");
    command->add_flag("--json", options->json, "One JSON object per line");
    add_color_option(*command, options->color);
    add_duration_option(*command, "--timeout", options->timeout,
                        "Give up after this long (500ms, 30s, 1m30s, 2h, or seconds)",
                        std::chrono::hours(24 * 365));
    command->callback([options, &exit_code] {
        auto repository = Repository::open();
        JobEventStream events(repository);  // before the selection: no change after it is missed
        std::set<JobId> named;
        if (!options->selector.jobs.empty()) {
            for (const JobInfo& job : select_jobs(repository, options->selector, false)) named.insert(job.id);
            if (named.empty()) return;  // a wildcard that matched nothing: nothing to wait for
        }
        follow(events, *options, named, exit_code);
    });
}

}  // namespace jobctl::cli
