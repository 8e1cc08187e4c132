// jobctl schedule add|list|remove|enable|disable|run: jobs that cron starts
// (Register-ScheduledJob, Get-ScheduledJob, Start-Job -DefinitionName).

#include <unistd.h>

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <ctime>
#include <iomanip>
#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "job_json.hpp"
#include "jobctl/duration_text.hpp"
#include "jobctl/error.hpp"
#include "jobs_table_printer.hpp"
#include "run_option_flags.hpp"
#include "schedule/cron_trigger.hpp"
#include "schedule/crontab_block.hpp"
#include "schedule/schedule_run.hpp"
#include "slurm_option_flags.hpp"
#include "time_option.hpp"
#include "time_text.hpp"

extern char** environ;

namespace jobctl::cli {
namespace {

struct AddOptions {
    std::string name;
    std::string cron, every, at;
    std::uint32_t max_results = 32;
    RunOptions run;
    std::optional<std::chrono::milliseconds> timeout;
    std::string memory;  // --mem SIZE
    std::optional<unsigned> cpus;
    std::optional<std::uint32_t> max_procs;
    std::string queue;
    int priority = 0;
    std::string on_finish;
    std::vector<std::string> labels;
    bool no_overlap = false;
    bool replace = false;
    std::vector<std::string> command;
};

// Variables of the login session that a run started later by cron must not
// inherit: its terminal, display, agents, and the shell's own bookkeeping.
bool session_bound(std::string_view name) {
    static constexpr std::string_view kSession[] = {"TERM",
                                                    "COLORTERM",
                                                    "DISPLAY",
                                                    "WAYLAND_DISPLAY",
                                                    "SSH_AUTH_SOCK",
                                                    "SSH_AGENT_PID",
                                                    "SSH_CONNECTION",
                                                    "SSH_CLIENT",
                                                    "SSH_TTY",
                                                    "DBUS_SESSION_BUS_ADDRESS",
                                                    "XDG_SESSION_ID",
                                                    "XDG_SESSION_TYPE",
                                                    "XDG_SESSION_CLASS",
                                                    "XDG_VTNR",
                                                    "XDG_SEAT",
                                                    "WINDOWID",
                                                    "OLDPWD",
                                                    "PWD",
                                                    "SHLVL",
                                                    "_",
                                                    "COLUMNS",
                                                    "LINES",
                                                    "TMUX",
                                                    "TMUX_PANE",
                                                    "STY",
                                                    "GPG_TTY"};
    return std::ranges::find(kSession, name) != std::end(kSession);
}

// The environment a run starts from: ours now (unless --clear-env), less the
// session's, with --env over it.
std::vector<std::string> recorded_environment(const RunOptions& run) {
    std::vector<std::string> env;
    if (!run.clear_env)
        for (char** variable = environ; *variable != nullptr; ++variable) {
            std::string_view text = *variable;
            if (!session_bound(text.substr(0, text.find('=')))) env.emplace_back(text);
        }
    env.insert(env.end(), run.env.begin(), run.env.end());  // later ones win, as for start
    return env;
}

// The trigger given as one of --cron, --every, --at, in cron's five fields.
void set_trigger(const AddOptions& options, ScheduleDefinition& definition) {
    int given = !options.cron.empty() + !options.every.empty() + !options.at.empty();
    if (given != 1) throw Error(ErrorCode::invalid_argument, "give one trigger: --cron, --every or --at");
    if (!options.cron.empty()) {
        definition.trigger_kind = "cron";
        definition.trigger_text = options.cron;
        definition.cron = checked_cron_expression(options.cron);
    } else if (!options.every.empty()) {
        definition.trigger_kind = "every";
        definition.trigger_text = options.every;
        auto interval = parse_duration(options.every, std::chrono::hours(24 * 366));
        if (!interval || *interval <= std::chrono::milliseconds(0))
            throw Error(ErrorCode::invalid_argument,
                        "--every needs a duration above 0 (15m, 2h, 1d), not '" + options.every + "'");
        definition.cron = cron_for_interval(*interval);
    } else {
        definition.trigger_kind = "at";
        definition.trigger_text = options.at;
        Clock::time_point now = Clock::now();
        // A duration is from now ("--at 10m"); a date and time as --before takes it.
        auto in = parse_duration(options.at, std::chrono::hours(24 * 365));
        auto at = in ? std::optional(now + *in) : parse_time(options.at, now);
        if (!at)
            throw Error(ErrorCode::invalid_argument,
                        "--at needs a time (2026-12-24T18:00, or 10m from now), not '" + options.at + "'");
        if (*at <= now) throw Error(ErrorCode::invalid_argument, "--at " + options.at + " is in the past");
        auto minute_after = std::chrono::ceil<std::chrono::minutes>(*at);  // cron fires at whole minutes
        definition.at = std::chrono::time_point_cast<Clock::duration>(minute_after);
        definition.cron = cron_for_time(*definition.at);
    }
}

ScheduleDefinition definition_from(const AddOptions& options) {
    check_schedule_name(options.name);
    ScheduleDefinition definition;
    definition.name = options.name;
    definition.repository = Repository::default_name();
    set_trigger(options, definition);
    if (options.max_results == 0)
        throw Error(ErrorCode::invalid_argument, "--max-results must be at least 1");
    if (options.run.stdin_file == kCallersStdin)
        throw Error(ErrorCode::invalid_argument,
                    "a schedule's run cannot read this stdin: give --stdin FILE");
    definition.argv = options.command;
    definition.cwd = options.run.cwd.string();
    definition.stdin_file = options.run.stdin_file.string();
    definition.env = recorded_environment(options.run);
    definition.timeout = options.timeout;
    SlurmFlags limits;  // --mem, --cpus and --max-procs as start takes them on this machine
    limits.options.memory = options.memory;
    limits.options.cpus = options.cpus;
    limits.max_procs = options.max_procs;
    RunOptions limited;
    limits.add_local_limits(limited);
    definition.memory_limit_bytes = limited.memory_limit_bytes;
    definition.cpu_limit = limited.cpu_limit;
    definition.process_limit = limited.process_limit;
    definition.max_output = options.run.max_output;
    definition.on_finish = options.on_finish;
    definition.retry = options.run.retry;
    definition.labels = options.labels;
    definition.queue = options.queue;
    definition.priority = options.priority;
    definition.max_results = options.max_results;
    definition.no_overlap = options.no_overlap;
    // Checked as a start would check it, and fixed to start the same from cron: absolute paths.
    ProcessJobSpec checked = checked_process_job_spec(run_spec(definition));
    definition.cwd = checked.run.cwd.string();
    definition.stdin_file = checked.run.stdin_file.string();
    return definition;
}

// Saves the definition and puts its line in the crontab (or takes it out),
// or, if the crontab cannot be changed, leaves the definition as it was.
void install(const ScheduleDefinition& definition, const std::optional<ScheduleDefinition>& before) {
    save_schedule(definition);
    try {
        CrontabKey key = crontab_key(definition.repository, definition.name);
        set_crontab_line(
            key, definition.enabled ? std::optional(crontab_line(key, definition.cron)) : std::nullopt);
    } catch (...) {
        if (before)
            save_schedule(*before);
        else
            delete_schedule(definition.repository, definition.name);
        throw;
    }
}

void add_add_command(CLI::App& schedule) {
    auto options = std::make_shared<AddOptions>();
    CLI::App* command = schedule.add_subcommand("add", "Define a schedule and install its cron trigger");
    command->footer(
        "Example: jobctl schedule add health --every 15m -- curl -fsS http://localhost:8080/health\n"
        "Each run is a job named after the schedule (Type 'scheduled'). The run gets the folder and\n"
        "environment of this 'schedule add' (PATH included), not cron's.");
    command->add_option("name", options->name, "The schedule's name (letters, digits, '.', '_', '-')")
        ->required();
    command->add_option("--cron", options->cron, "When, as five cron fields: 'MIN HOUR DOM MON DOW'")
        ->type_name("FIELDS");
    command->add_option("--every", options->every, "Every DURATION that cron can count: 5m, 15m, 2h, 1d")
        ->type_name("DURATION");
    command->add_option("--at", options->at, "Once, at TIME (2026-12-24T18:00) or in DURATION (10m)")
        ->type_name("TIME");
    command->add_option("--max-results", options->max_results, "Keep this many runs; older ones are removed")
        ->default_val(32);
    add_run_option_flags(*command, options->run, "");
    add_time_limit_option(*command, options->timeout);
    command
        ->add_option("--mem", options->memory,
                     "Memory limit of each run, e.g. 512M (see 'jobctl start --help')")
        ->type_name("SIZE");
    command->add_option("--cpus", options->cpus, "At most N CPUs' worth of time for each run")
        ->type_name("N");
    command
        ->add_option("--max-procs", options->max_procs, "At most N processes and threads in each run at once")
        ->type_name("N");
    command->add_option("--queue", options->queue, "Each run waits (Blocked) for a slot in this queue")
        ->type_name("QUEUE");
    command
        ->add_option("--priority", options->priority,
                     "Each run's place in its queue (see 'jobctl start --help')")
        ->type_name("N")
        ->check(CLI::Range(kMinPriority, kMaxPriority));
    add_retry_options(*command, options->run.retry, "each run's command");
    add_finish_hook_option(*command, "--on-finish", options->on_finish, "each run");
    add_label_option(*command, options->labels, "each run");
    command->add_flag("--no-overlap", options->no_overlap,
                      "Skip a run (record it Failed) while the previous one still runs");
    command->add_flag("--replace", options->replace, "Replace the schedule of that name if there is one");
    // Not positionals_at_end: NAME comes before the options; '--' ends them.
    command->add_option("command", options->command, "The command and its arguments, after --")->required();
    command->callback([options] {
        ScheduleDefinition definition = definition_from(*options);
        ScheduleLock lock(definition.repository);
        auto before = load_schedule(definition.repository, definition.name);
        if (before && !options->replace)
            throw Error(ErrorCode::invalid_argument,
                        "schedule '" + definition.name + "' already exists (use --replace to change it)");
        if (before) definition.evicted = before->evicted;
        install(definition, before);
        std::cout << "schedule '" << definition.name << "': " << definition.cron << '\n';
    });
}

std::string local_time(const std::optional<Clock::time_point>& time) {
    if (!time) return "-";
    std::time_t seconds = Clock::to_time_t(*time);
    std::tm local{};
    ::localtime_r(&seconds, &local);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &local);
    return text;
}

struct ScheduleStatus {
    const ScheduleDefinition* definition;
    std::optional<Clock::time_point> next;
    std::optional<JobInfo> last;
    std::size_t kept = 0;
};

std::vector<ScheduleStatus> statuses(const std::vector<ScheduleDefinition>& definitions,
                                     const std::vector<JobInfo>& jobs) {
    std::vector<ScheduleStatus> result;
    for (const ScheduleDefinition& definition : definitions) {
        ScheduleStatus status{&definition, std::nullopt, std::nullopt, 0};
        if (definition.enabled)
            status.next = definition.at ? definition.at : next_cron_time(definition.cron, Clock::now());
        std::vector<JobInfo> runs = runs_of(jobs, definition.name);
        status.kept = runs.size();
        if (!runs.empty()) status.last = runs.back();
        result.push_back(status);
    }
    return result;
}

std::string trigger_text(const ScheduleDefinition& definition) {
    return "--" + definition.trigger_kind + " " + definition.trigger_text;
}

void print_schedules_json(const std::vector<ScheduleStatus>& list) {
    {
        cereal::JSONOutputArchive archive(std::cout);
        archive.setNextName("schedules");
        archive.startNode();
        archive.makeArray();
        for (const ScheduleStatus& status : list) {
            const ScheduleDefinition& d = *status.definition;
            archive.startNode();
            archive(cereal::make_nvp("name", d.name), cereal::make_nvp("trigger", d.trigger_kind),
                    cereal::make_nvp("trigger_text", d.trigger_text), cereal::make_nvp("cron", d.cron),
                    cereal::make_nvp("command", d.argv), cereal::make_nvp("cwd", d.cwd),
                    cereal::make_nvp("enabled", d.enabled),
                    cereal::make_nvp("next_run", iso_time(status.next)),
                    cereal::make_nvp("runs", static_cast<std::uint64_t>(status.kept)),
                    cereal::make_nvp("evicted", d.evicted), cereal::make_nvp("max_results", d.max_results),
                    cereal::make_nvp("no_overlap", d.no_overlap), cereal::make_nvp("queue", d.queue),
                    cereal::make_nvp("timeout_ms",
                                     static_cast<std::uint64_t>(d.timeout ? d.timeout->count() : 0)));
            if (status.last)
                archive(cereal::make_nvp("last_run_id", status.last->id),
                        cereal::make_nvp("last_run_state", std::string(to_string(status.last->state))),
                        cereal::make_nvp("last_run_time", iso_time(status.last->created)));
            archive.finishNode();
        }
        archive.finishNode();
    }
    std::cout << '\n';
}

void print_schedules_table(const std::vector<ScheduleStatus>& list) {
    std::vector<std::vector<std::string>> rows{
        {"Name", "Trigger", "NextRun", "LastRun", "LastState", "Enabled", "Runs", "Evicted"}};
    for (const ScheduleStatus& status : list) {
        const ScheduleDefinition& d = *status.definition;
        rows.push_back(
            {d.name, trigger_text(d), local_time(status.next),
             status.last ? std::to_string(status.last->id) + " " + local_time(status.last->created) : "-",
             status.last ? std::string(to_string(status.last->state)) : "-", d.enabled ? "yes" : "no",
             std::to_string(status.kept), std::to_string(d.evicted)});
    }
    std::vector<std::size_t> widths(rows[0].size(), 0);
    for (const auto& row : rows)
        for (std::size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
    for (const auto& row : rows) {
        std::string line;
        for (std::size_t i = 0; i < row.size(); ++i)
            line += i + 1 < row.size() ? row[i] + std::string(widths[i] - row[i].size() + 2, ' ') : row[i];
        std::cout << line << '\n';
    }
}

void add_list_command(CLI::App& schedule) {
    auto json = std::make_shared<bool>(false);
    CLI::App* command =
        schedule.add_subcommand("list", "The schedules of the repository, their last and next runs");
    command->add_flag("--json", *json, "Print them as JSON");
    command->callback([json] {
        std::vector<ScheduleDefinition> definitions = load_schedules(Repository::default_name());
        std::vector<JobInfo> jobs = definitions.empty() ? std::vector<JobInfo>{} : Repository::open().list();
        std::vector<ScheduleStatus> list = statuses(definitions, jobs);
        if (*json)
            print_schedules_json(list);
        else if (!list.empty())
            print_schedules_table(list);
    });
}

// remove, enable, disable: one NAME, changed under the lock.
void add_change_command(CLI::App& schedule, const std::string& verb, const std::string& description) {
    auto name = std::make_shared<std::string>();
    CLI::App* command = schedule.add_subcommand(verb, description);
    command->add_option("name", *name, "The schedule")->required();
    command->callback([name, verb] {
        std::string repository = Repository::default_name();
        ScheduleLock lock(repository);
        ScheduleDefinition definition = require_schedule(repository, *name);
        if (verb == "remove") {
            set_crontab_line(crontab_key(repository, *name), std::nullopt);
            delete_schedule(repository, *name);
            return;
        }
        ScheduleDefinition before = definition;
        definition.enabled = verb == "enable";
        if (definition.enabled && definition.at && *definition.at <= Clock::now())
            throw Error(ErrorCode::invalid_argument,
                        "schedule '" + *name + "' was for a time now past: add it again with a new --at");
        install(definition, before);
    });
}

void add_run_subcommand(CLI::App& schedule) {
    struct Options {
        std::string name;
        bool triggered = false;
        bool quiet = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = schedule.add_subcommand("run", "Start one run of a schedule now (what cron runs)");
    command->add_option("name", options->name, "The schedule")->required();
    command->add_flag("-q,--quiet", options->quiet, "Print only the job id");
    // What the crontab line passes: quiet, and an --at schedule's trigger goes after its run.
    command->add_flag("--triggered", options->triggered)->group("");
    command->callback([options] {
        std::string repository = Repository::default_name();
        ScheduleLock lock(repository);
        ScheduleDefinition definition = require_schedule(repository, options->name);
        if (options->triggered) {
            if (!definition.enabled) {  // a line left behind: take it out
                set_crontab_line(crontab_key(repository, definition.name), std::nullopt);
                return;
            }
            // cron has no year: an --at line fires on that day of earlier years too.
            if (definition.at && *definition.at - std::chrono::hours(24) > Clock::now()) return;
        }
        auto repo = Repository::open();
        JobInfo job = start_schedule_run(repo, definition);
        if (options->triggered && definition.at) {
            ScheduleDefinition before = definition;
            definition.enabled = false;  // a one-shot: it ran
            install(definition, before);
        }
        if (options->triggered) return;
        if (options->quiet)
            std::cout << job.id << '\n';
        else
            print_job_table(std::cout, {job});
    });
}

}  // namespace

void add_schedule_command(CLI::App& app, int&) {
    CLI::App* schedule = app.add_subcommand(
        "schedule", "Jobs that cron starts at set times (Register-ScheduledJob, Get-ScheduledJob)");
    schedule->require_subcommand(1);
    schedule->footer(
        "Definitions live in the repository's folder of the jobctl home; their triggers in a marked\n"
        "block of your crontab (crontab -l). Each run is a job named after the schedule: see it with\n"
        "'jobctl get NAME', its output with 'jobctl receive NAME'. Needs cron (Debian package 'cron').");
    add_add_command(*schedule);
    add_list_command(*schedule);
    add_change_command(*schedule, "remove", "Remove a schedule and its cron trigger (its runs stay jobs)");
    add_change_command(*schedule, "enable", "Put a disabled schedule's trigger back");
    add_change_command(*schedule, "disable", "Take a schedule's trigger out; keep the definition");
    add_run_subcommand(*schedule);
}

}  // namespace jobctl::cli
