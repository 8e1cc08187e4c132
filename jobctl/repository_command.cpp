// jobctl repository: where the job table and output live, and deleting a
// whole repository.

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <iostream>
#include <memory>
#include <optional>

#include "commands.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_history.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "size_option.hpp"
#include "stop_jobs.hpp"

namespace jobctl {

template <class Archive>
void save(Archive& archive, const RepositoryInfo& info) {
    archive(
        cereal::make_nvp("name", info.name), cereal::make_nvp("table", info.table.string()),
        cereal::make_nvp("spool", info.spool.string()), cereal::make_nvp("history", info.history.string()),
        cereal::make_nvp("history_limit", info.history_limit),
        cereal::make_nvp("max_output", info.max_output), cereal::make_nvp("filesystem", info.filesystem),
        cereal::make_nvp("local", info.local), cereal::make_nvp("note", info.note),
        cereal::make_nvp("capacity", info.capacity), cereal::make_nvp("in_use", info.in_use),
        cereal::make_nvp("layout_version", info.layout_version), cereal::make_nvp("boot_id", info.boot_id),
        cereal::make_nvp("reboots_survived", info.reboots_survived));
}

namespace cli {
namespace {

void print_info(const RepositoryInfo& info) {
    std::cout << "Repository  " << info.name << '\n'
              << "Table       " << info.table.string() << '\n'
              << "Output      " << info.spool.string() << '\n'
              << "History     " << info.history.string()
              << (info.history_limit == 0 ? std::string(" (off: no history is kept)")
                                          : " (rotated at " + format_size(info.history_limit) + ")")
              << '\n'
              << "Max output  "
              << (info.max_output == 0
                      ? std::string("no cap (jobctl start --max-output SIZE sets one)")
                      : format_size(info.max_output) + " per process job, unless it sets its own")
              << '\n'
              << "Filesystem  " << info.filesystem
              << (info.local ? " (local)" : " (network: not shared between machines)") << '\n'
              << "Jobs        " << info.in_use << " of " << info.capacity << " slots in use\n"
              << "Layout      version " << info.layout_version << '\n'
              << "Boot        " << info.boot_id << " (reboots survived: " << info.reboots_survived << ")\n";
    if (!info.note.empty()) std::cout << "Note        " << info.note << '\n';
}

void print_json(const RepositoryInfo& info) {
    {
        cereal::JSONOutputArchive archive(std::cout);
        archive(cereal::make_nvp("repository", info));
    }
    std::cout << '\n';
}

// Deletes the repository named by JOBCTL_REPOSITORY. Unfinished jobs make it
// refuse, unless forced: then they are stopped first (their output goes too).
void delete_repository(bool force) {
    std::string name = Repository::default_name();
    {
        auto repository = Repository::open();
        std::vector<JobInfo> unfinished;
        for (const JobInfo& job : list_jobs(repository))
            if (!job.finished()) unfinished.push_back(job);
        if (!unfinished.empty() && !force)
            throw Error(ErrorCode::job_busy, std::to_string(unfinished.size()) + " job(s) of repository '" +
                                                 name + "' have not finished (job " +
                                                 std::to_string(unfinished[0].id) + " is " +
                                                 std::string(to_string(unfinished[0].state)) +
                                                 "); stop them first or use --force");
        stop_jobs(repository, unfinished, StopOptions{});
    }
    Repository::destroy(name);
}

}  // namespace

void add_repository_command(CLI::App& app, int&) {
    struct Options {
        bool json = false;
        bool force = false;
        std::optional<std::uint64_t> history_size;
        std::optional<std::uint64_t> max_output;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command =
        app.add_subcommand("repository", "Show where jobs and their output are kept, or delete them all");
    command->footer(
        "The repository is JOBCTL_REPOSITORY (default 'default') in the jobctl home: JOBCTL_HOME,\n"
        "else $XDG_STATE_HOME/jobctl, else ~/.local/state/jobctl.\n"
        "Examples: jobctl repository; jobctl repository --json; jobctl repository --history-size 64M;\n"
        "jobctl repository --max-output 100M;\n"
        "jobctl repository delete");
    command->add_flag("--json", options->json, "Print one JSON document");
    add_size_option(*command, "--history-size", options->history_size,
                    "Rotate the history ('jobctl history') when it reaches SIZE (default 16M; at least 64K); "
                    "0 keeps no history")
        ->check(zero_or_at_least(kMinHistoryLimit));
    add_size_option(*command, "--max-output", options->max_output,
                    "Keep at most SIZE of each process job's output that does not set its own "
                    "(start --max-output); 0: no cap (the default)")
        ->check(zero_or_at_least(4096));
    CLI::App* remove =
        command->add_subcommand("delete", "Delete the whole repository: every job, its table and all output");
    remove->footer("Refused while jobs have not finished, unless --force, which stops them first.");
    remove->add_flag("-f,--force", options->force, "Stop unfinished jobs first, then delete");
    remove->callback([options] { delete_repository(options->force); });
    command->callback([options, remove] {
        if (remove->parsed()) return;
        auto repository = Repository::open();
        if (options->history_size) set_history_limit(repository, *options->history_size);
        if (options->max_output) set_default_max_output(repository, *options->max_output);
        RepositoryInfo info = repository.describe();
        if (options->json)
            print_json(info);
        else
            print_info(info);
    });
}

}  // namespace cli
}  // namespace jobctl
