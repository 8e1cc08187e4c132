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
#include "help_formatter.hpp"
#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "jobctl_app.hpp"
#include "nearest_word.hpp"
#include "overview.hpp"
#include "printable_text.hpp"
#include "record_printer.hpp"
#include "ssh_relay_command.hpp"
#include "typo_suggestion.hpp"

namespace {

// The verb being parsed when CLI11 gave up (the deepest, as "queue add"), or the app.
const CLI::App& innermost(const CLI::App& app, std::string& where) {
    const CLI::App* current = &app;
    for (auto subs = current->get_subcommands(); !subs.empty(); subs = current->get_subcommands()) {
        current = subs.back();
        where += " " + current->get_name();
    }
    return *current;
}

// CLI11 prints multi-line errors; ours are one line, naming the command's --help.
int report_usage_error(const CLI::App& app, const CLI::ParseError& error) {
    std::string where = "jobctl";
    const CLI::App& command = innermost(app, where);
    std::cerr << where << ": " << jobctl::cli::printable(error.what())
              << jobctl::cli::typo_suggestion(command, error) << " (see '" << where << " --help')\n";
    return jobctl::cli::kUsage;
}

using CommandAdder = void (*)(CLI::App&, int&);
constexpr std::pair<std::string_view, CommandAdder> kCommands[] = {
    {"start", jobctl::cli::add_start_command},       {"run", jobctl::cli::add_run_command},
    {"get", jobctl::cli::add_get_command},           {"wait", jobctl::cli::add_wait_command},
    {"watch", jobctl::cli::add_watch_command},       {"receive", jobctl::cli::add_receive_command},
    {"stop", jobctl::cli::add_stop_command},         {"suspend", jobctl::cli::add_suspend_command},
    {"resume", jobctl::cli::add_resume_command},     {"remove", jobctl::cli::add_remove_command},
    {"restart", jobctl::cli::add_restart_command},   {"history", jobctl::cli::add_history_command},
    {"foreach", jobctl::cli::add_foreach_command},   {"repository", jobctl::cli::add_repository_command},
    {"queue", jobctl::cli::add_queue_command},       {"set-priority", jobctl::cli::add_set_priority_command},
    {"schedule", jobctl::cli::add_schedule_command},
};

// Verbs as users of pueue, tsp and ps type them: the same verb by another name.
constexpr std::pair<std::string_view, std::string_view> kAliases[] = {
    {"repo", "repository"}, {"ls", "get"}, {"list", "get"}, {"ps", "get"}, {"rm", "remove"}, {"kill", "stop"},
};

// Their words for what jobctl does with a verb and options: suggested, never run.
constexpr std::pair<std::string_view, std::string_view> kSuggestions[] = {
    {"status", "get"},
    {"log", "receive --all"},
    {"logs", "receive --all"},
    {"cat", "receive --all"},
    {"follow", "receive --all --wait"},
    {"add", "start"},
    {"clean", "remove --finished"},
};

std::string_view verb_of_alias(std::string_view word) {
    for (const auto& [alias, verb] : kAliases)
        if (word == alias) return verb;
    return word;
}

// Building every verb's options costs CLI11 a few hundred microseconds on
// each run; a run names one verb, so only that one is built (all of them for
// --help, --version or anything unknown, so help and errors stay complete).
void add_commands(CLI::App& app, std::string_view verb, int& exit_code) {
    verb = verb_of_alias(verb);
    bool known = std::ranges::any_of(kCommands, [&](const auto& command) { return command.first == verb; });
    for (const auto& [name, add] : kCommands)
        if (!known || name == verb) add(app, exit_code);
    for (const auto& [alias, name] : kAliases)
        if (!known || name == verb) app.get_subcommand(std::string(name))->alias(std::string(alias));
}

// A first word that is no option and no verb: one line, with a suggestion.
int report_unknown_verb(std::string_view word) {
    std::cerr << "jobctl: unknown command '" << jobctl::cli::printable(word) << "'";
    std::string near;
    for (const auto& [their_word, ours] : kSuggestions)
        if (word == their_word) near = ours;
    if (near.empty()) {
        std::vector<std::string> names;
        for (const auto& command : kCommands) names.emplace_back(command.first);
        for (const auto& alias : kAliases) names.emplace_back(alias.first);
        near = jobctl::cli::nearest_word(word, names);
    }
    if (!near.empty()) std::cerr << "; did you mean 'jobctl " << near << "'?";
    std::cerr << " (see 'jobctl --help')\n";
    return jobctl::cli::kUsage;
}

// A first word that is an option, but none of jobctl's own (CLI11 would
// only say that a verb is required).
bool is_unknown_option(std::string_view word) {
    return word.starts_with("-") && word != "-h" && word != "--help" && word != "--version";
}

int report_unknown_option(std::string_view word) {
    std::cerr << "jobctl: unknown option '" << jobctl::cli::printable(word) << "'";
    std::string near = jobctl::cli::nearest_word(word, {"--help", "--version"});
    if (!near.empty()) std::cerr << "; did you mean '" << near << "'?";
    std::cerr << " (see 'jobctl --help')\n";
    return jobctl::cli::kUsage;
}

bool is_verb(std::string_view word) {
    word = verb_of_alias(word);
    return std::ranges::any_of(kCommands, [&](const auto& command) { return command.first == word; });
}

}  // namespace

std::unique_ptr<CLI::App> jobctl::cli::make_jobctl_app(std::string_view verb, int& exit_code) {
    auto app = std::make_unique<CLI::App>(std::string(kAppDescription));
    app->name("jobctl");
    app->formatter(std::make_shared<jobctl::cli::HelpFormatter>());  // before the verbs: they take it over
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
    if (argc > 1 && std::string_view(argv[1]) == kSshRelayVerb) return ssh_relay_main(argc - 2, argv + 2);
    if (argc > 1 && argv[1][0] != '-' && !is_verb(argv[1])) return report_unknown_verb(argv[1]);
    if (argc > 1 && is_unknown_option(argv[1])) return report_unknown_option(argv[1]);
    int exit_code = jobctl::cli::kSuccess;
    // A wait for the lock of over a second says who holds it, once.
    jobctl::Repository::set_slow_lock_notice(
        [](const std::string& line) { std::cerr << "jobctl: " << line << std::endl; });
    jobctl::Repository::defer_job_control_stops();  // Ctrl-Z never stops it inside a lock
    std::unique_ptr<CLI::App> made = make_jobctl_app(argc > 1 ? argv[1] : "", exit_code);
    CLI::App& app = *made;
    try {
        if (argc == 1) {  // a first look: what to type, and the jobs there are
            jobctl::cli::print_overview(app);
            return jobctl::cli::kSuccess;
        }
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
