// jobctl: the command line of the job repository. Parses, calls the
// library, renders, and maps errors to the documented exit codes.

#include "jobctl_main.hpp"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <memory>
#include <string_view>
#include <vector>

#include "commands.hpp"
#include "completion.hpp"
#include "environment_variables.hpp"
#include "exit_codes.hpp"
#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "jobctl_app.hpp"
#include "printable_text.hpp"
#include "record_printer.hpp"

namespace {

// CLI11 prints multi-line errors; ours are one line, naming the command's --help.
int report_usage_error(const CLI::App& app, const CLI::ParseError& error) {
    std::string where = "jobctl";
    for (const CLI::App* sub : app.get_subcommands()) where += " " + sub->get_name();
    std::cerr << where << ": " << jobctl::cli::printable(error.what()) << " (see '" << where << " --help')\n";
    return jobctl::cli::kUsage;
}

using CommandAdder = void (*)(CLI::App&, int&);
constexpr std::pair<std::string_view, CommandAdder> kCommands[] = {
    {"start", jobctl::cli::add_start_command},     {"run", jobctl::cli::add_run_command},
    {"get", jobctl::cli::add_get_command},         {"wait", jobctl::cli::add_wait_command},
    {"watch", jobctl::cli::add_watch_command},     {"receive", jobctl::cli::add_receive_command},
    {"stop", jobctl::cli::add_stop_command},       {"suspend", jobctl::cli::add_suspend_command},
    {"resume", jobctl::cli::add_resume_command},   {"remove", jobctl::cli::add_remove_command},
    {"foreach", jobctl::cli::add_foreach_command}, {"repository", jobctl::cli::add_repository_command},
    {"queue", jobctl::cli::add_queue_command},     {"schedule", jobctl::cli::add_schedule_command},
};

// Building every verb's options costs CLI11 a few hundred microseconds on
// each run; a run names one verb, so only that one is built (all of them for
// --help, --version or anything unknown, so help and errors stay complete).
void add_commands(CLI::App& app, std::string_view verb, int& exit_code) {
    if (verb == "repo") verb = "repository";  // its alias
    bool known = std::ranges::any_of(kCommands, [&](const auto& command) { return command.first == verb; });
    for (const auto& [name, add] : kCommands)
        if (!known || name == verb) add(app, exit_code);
}

// The known verb nearest to `word` (at most two edits away), or "".
std::string_view nearest_verb(std::string_view word) {
    auto distance = [](std::string_view a, std::string_view b) {
        std::vector<std::size_t> row(b.size() + 1);
        for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
        for (std::size_t i = 1; i <= a.size(); ++i) {
            std::size_t diagonal = row[0];
            row[0] = i;
            for (std::size_t j = 1; j <= b.size(); ++j) {
                std::size_t above = row[j];
                row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
                diagonal = above;
            }
        }
        return row[b.size()];
    };
    std::string_view best;
    std::size_t best_distance = 3;
    for (const auto& command : kCommands)
        if (std::size_t d = distance(word, command.first); d < best_distance)
            best = command.first, best_distance = d;
    return best;
}

// A first word that is no option and no verb: one line, with a suggestion.
int report_unknown_verb(std::string_view word) {
    std::cerr << "jobctl: unknown command '" << jobctl::cli::printable(word) << "'";
    if (std::string_view near = nearest_verb(word); !near.empty())
        std::cerr << "; did you mean '" << near << "'?";
    std::cerr << " (see 'jobctl --help')\n";
    return jobctl::cli::kUsage;
}

bool is_verb(std::string_view word) {
    return word == "repo" ||
           std::ranges::any_of(kCommands, [&](const auto& command) { return command.first == word; });
}

}  // namespace

std::unique_ptr<CLI::App> jobctl::cli::make_jobctl_app(std::string_view verb, int& exit_code) {
    auto app = std::make_unique<CLI::App>(std::string(kAppDescription));
    app->name("jobctl");
    app->require_subcommand(1);
    app->set_version_flag("--version", "jobctl " + std::string(kVersion));
    app->footer(exit_codes_footer() + "\n" + environment_footer());
    add_commands(*app, verb, exit_code);
    return app;
}

std::vector<CLI::App*> jobctl::cli::visible_verbs(CLI::App& app) {
    return app.get_subcommands([](CLI::App* sub) { return !sub->get_group().empty(); });
}

int jobctl::cli::jobctl_main(int argc, char** argv) {
    if (argc > 1 && std::string_view(argv[1]) == kCompleteVerb) return complete_main(argc - 2, argv + 2);
    if (argc > 1 && argv[1][0] != '-' && !is_verb(argv[1])) return report_unknown_verb(argv[1]);
    int exit_code = jobctl::cli::kSuccess;
    // A wait for the lock of over a second says who holds it, once.
    jobctl::Repository::set_slow_lock_notice(
        [](const std::string& line) { std::cerr << "jobctl: " << line << std::endl; });
    jobctl::Repository::defer_job_control_stops();  // Ctrl-Z never stops it inside a lock
    std::unique_ptr<CLI::App> made = make_jobctl_app(argc > 1 ? argv[1] : "", exit_code);
    CLI::App& app = *made;
    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp&) {
        return app.exit(CLI::CallForHelp());
    } catch (const CLI::CallForAllHelp&) {
        return app.exit(CLI::CallForAllHelp());
    } catch (const CLI::CallForVersion& version) {
        return app.exit(version);
    } catch (const CLI::ParseError& error) {
        if (error.get_exit_code() == 0) return app.exit(error);
        return report_usage_error(app, error);
    } catch (const jobctl::cli::ReaderGone&) {
        return jobctl::cli::kReaderGone;  // quietly, as `cat` whose reader closed (see record_printer.hpp)
    } catch (const jobctl::Error& error) {
        std::cerr << "jobctl: " << jobctl::cli::printable(error.what()) << '\n';  // one line, no escapes
        return jobctl::cli::exit_code_for(error.code());
    } catch (const std::exception& error) {
        std::cerr << "jobctl: " << jobctl::cli::printable(error.what()) << '\n';
        return jobctl::cli::kSystemError;
    }
    return exit_code;
}
