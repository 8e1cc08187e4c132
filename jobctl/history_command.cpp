// jobctl history: the jobs that ended, read from the repository's history
// file, so that they can be looked up after they were removed or evicted.

#include <fnmatch.h>
#include <unistd.h>

#include <cerrno>
#include <deque>
#include <iostream>
#include <memory>
#include <set>

#include "commands.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_history.hpp"
#include "jobs_table_printer.hpp"
#include "printable_text.hpp"
#include "terminal_style.hpp"
#include "time_option.hpp"

namespace jobctl::cli {

namespace {

struct HistoryOptions {
    JobSelector selector;  // its names, --state, --command and --label
    std::optional<Clock::time_point> since;
    std::optional<unsigned> newest;
    bool json = false;
    ColorChoice color = ColorChoice::automatic;
};

// Which of the named tokens an entry matches (an id, a name, a wildcard);
// every entry when none is named.
class NamedEntries {
public:
    explicit NamedEntries(const std::vector<std::string>& tokens) : tokens_(tokens) {}

    bool match(const JobInfo& job) {
        if (tokens_.empty()) return true;
        bool matched = false;
        for (const std::string& token : tokens_) {
            bool hit = is_job_id(token) ? std::to_string(job.id) == token
                                        : ::fnmatch(token.c_str(), job.name.c_str(), 0) == 0;
            if (hit) {
                matched = true;
                found_.insert(token);
            }
        }
        return matched;
    }

    // A token other than a wildcard that named no entry: the job never ended, or not here.
    void check_all_found() const {
        for (const std::string& token : tokens_) {
            if (found_.contains(token) || is_wildcard(token)) continue;
            std::string job = is_job_id(token) ? "with id " + token : "named '" + printable(token) + "'";
            throw Error(
                ErrorCode::job_not_found,
                "no job " + job + " in the history (it has not ended here, or its line was rotated out)");
        }
    }

private:
    const std::vector<std::string>& tokens_;
    std::set<std::string> found_;
};

// The repository, if it exists and its table can be used; its history is
// read without it otherwise (a damaged table, a read-only disk), and
// none is made.
std::optional<Repository> repository_if_usable() {
    if (!Repository::exists(Repository::default_name())) return std::nullopt;
    try {
        return Repository::open();
    } catch (const Error& error) {
        if (error.code() == ErrorCode::invalid_argument) throw;
        std::cerr << "jobctl: history: " << printable(error.what()) << "; reading its history without it\n";
        return std::nullopt;
    }
}

void show_history(const HistoryOptions& options) {
    std::optional<Repository> repository = repository_if_usable();
    NamedEntries named(options.selector.jobs);
    std::deque<HistoryEntry> newest;  // --newest N: the last N that pass
    JobTablePrinter table(std::cout, use_color(options.color, STDOUT_FILENO), output_columns(),
                          TableView::history);
    auto print = [&](const HistoryEntry& entry) {
        if (options.json)
            std::cout << history_line(entry) << '\n';
        else
            table.add(entry.job);
        check_listing_written();
    };
    auto visit = [&](const HistoryEntry& entry) {
        const JobInfo& job = entry.job;
        if (!named.match(job)) return;  // first: a job named is found even if filtered out
        if (options.since && job.ended < options.since) return;
        if (!options.selector.passes_filters(job)) return;
        if (!options.newest) return print(entry);
        newest.push_back(entry);
        if (newest.size() > *options.newest) newest.pop_front();
    };
    HistoryReading reading =
        repository ? read_history(*repository, visit) : read_history(Repository::default_name(), visit);
    for (const HistoryEntry& entry : newest) print(entry);
    if (!options.json) table.finish();
    std::cout.flush();
    check_listing_written();
    if (repository && history_limit(*repository) == 0)
        std::cerr << "jobctl: history: off in this repository: jobs that end add no line ('jobctl repository "
                     "--history-size 16M' turns it on)\n";
    for (const std::string& warning : reading.warnings)
        std::cerr << "jobctl: history: " << printable(warning) << '\n';
    named.check_all_found();
}

}  // namespace

void add_history_command(CLI::App& app, int&) {
    auto options = std::make_shared<HistoryOptions>();
    CLI::App* command =
        app.add_subcommand("history", "List jobs that ended, also after they were removed (sacct, a joblog)");
    command->footer(
        "Examples: jobctl history; jobctl history build; jobctl history --state Failed --since 7d;\n"
        "jobctl history --newest 20; jobctl history --json | jq -r 'select(.exit_code != 0) | .command'\n"
        "Each job that ends (a foreach's children too) adds one line to history.jsonl in the repository's "
        "folder ('jobctl repository' shows where), oldest first. At 'jobctl repository --history-size' "
        "(default 16M) the file is rotated: the one before is kept as history.jsonl.1, older ones go. A line "
        "cut short by a crash or a full disk is skipped with a warning. 'jobctl repository delete' removes "
        "the history too.");
    command->add_option("jobs", options->selector.jobs,
                        "Jobs by id, name, or name wildcard ('build-*', quoted)");
    command
        ->add_option("--state", options->selector.states,
                     "Only jobs that ended in this state (repeat, or separate with commas): Completed, "
                     "Failed, Stopped")
        ->type_name("STATE")
        ->allow_extra_args(false)
        ->delimiter(',')
        ->check([](const std::string& text) {
            auto state = parse_job_state(text);
            if (!state) return "unknown state '" + text + "'";
            return is_terminal(*state)
                       ? std::string()
                       : "a job in the history has ended: Completed, Failed or Stopped, not '" + text + "'";
        });
    command
        ->add_option("--command", options->selector.command_pattern,
                     "Only jobs whose command matches this shell wildcard ('make *', quoted)")
        ->type_name("GLOB");
    add_label_filter(*command, options->selector.labels);
    add_time_option(*command, "--since", options->since,
                    "Only jobs that ended at or after TIME (2026-11-27T14:30, or a time ago: 2h, 7d)");
    command->add_option("--newest", options->newest, "Only the N that ended last of them")
        ->check(CLI::Range(1u, 1000000000u));
    command->add_flag("--json", options->json,
                      "Print the lines as the history keeps them: one JSON object per job "
                      "(JSON Lines), fields as in 'get --json'");
    add_color_option(*command, options->color);
    command->callback([options] { show_history(*options); });
}

}  // namespace jobctl::cli
