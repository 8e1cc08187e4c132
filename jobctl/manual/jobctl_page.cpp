// jobctl(1): every verb as `jobctl VERB --help` shows it (description,
// usage, options, footer), walked from the app that parses a run, and the
// prose that --help shares (exit codes, environment).

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "environment_variables.hpp"
#include "exit_codes.hpp"
#include "help_formatter.hpp"
#include "jobctl_app.hpp"
#include "man_pages.hpp"
#include "roff.hpp"

namespace jobctl::manual {
namespace {

struct Example {
    std::string_view commands;
    std::string_view meaning;
};

constexpr Example kExamples[] = {
    {"jobctl start --name build -- make -j8\njobctl get\njobctl receive --wait build",
     "Start a build in the background, list the jobs, then print the build's output as it comes until it "
     "ends."},
    {"jobctl wait --timeout 10m build || echo \"build failed ($?)\"",
     "Wait for a job; exit 1 if it Failed or was Stopped, 4 on timeout."},
    {"jobctl get --state Failed --json", "Every failed job, with every field, as JSON."},
    {"jobctl stop build\njobctl remove --state Completed,Failed,Stopped",
     "Stop a job, then forget the finished ones."},
    {"jobctl foreach -j 4 -- gzip -k {} ::: *.log",
     "Compress each log, four at a time; exit 1 if any failed."},
    {"jobctl queue builds --slots 2\njobctl start --queue builds -- make -C a\njobctl start --queue builds "
     "-- make "
     "-C b",
     "Run at most two jobs of a queue at once; the others wait, Blocked."},
    {"export JOBCTL_REPOSITORY=ci-$$\nunit=$(jobctl start -q -- make test)\nlint=$(jobctl start -q -- make "
     "lint)\n"
     "jobctl wait --timeout 600 \"$unit\" \"$lint\"; status=$?\njobctl receive \"$unit\" \"$lint\"\n"
     "jobctl repository delete --force\nexit \"$status\"",
     "A CI fan-out in a private repository: fail when one piece fails, show what each printed, and delete "
     "the repository."},
};

const CLI::Formatter& formatter_of(const CLI::App& app) {
    static const CLI::Formatter plain;
    auto* formatter = dynamic_cast<const CLI::Formatter*>(app.get_formatter().get());
    return formatter != nullptr ? *formatter : plain;
}

bool is_help(const CLI::App& app, const CLI::Option* option) {
    return option == app.get_help_ptr() || option->get_group().empty();
}

// "jobctl start [--name NAME] ... command...": the verb with each option.
std::string synopsis_of(const CLI::App& command, const std::string& path) {
    std::string line = bold(path);
    for (const CLI::Option* option : command.get_options()) {
        if (is_help(command, option) || !option->nonpositional()) continue;
        std::string name = option->get_lnames().empty() ? "-" + option->get_snames().front()
                                                        : "--" + option->get_lnames().front();
        std::string item = bold(name);
        if (option->get_expected_max() > 0) item += " " + italic(cli::value_placeholder(*option));
        if (option->get_expected_max() > 1) item += "...";
        line += " [" + item + "]";
    }
    for (const CLI::Option* option :
         command.get_options([](const CLI::Option* o) { return o->get_positional(); }))
        line += " " + italic(formatter_of(command).make_option_usage(option));
    return line;
}

void write_synopsis(std::ostream& out, CLI::App& command, const std::string& path) {
    out << synopsis_of(command, path) << "\n.br\n";
    for (CLI::App* sub : cli::visible_verbs(command)) write_synopsis(out, *sub, path + " " + sub->get_name());
}

void write_options(std::ostream& out, const CLI::App& command) {
    const CLI::Formatter& formatter = formatter_of(command);
    auto positionals = command.get_options([](const CLI::Option* o) { return o->get_positional(); });
    for (const CLI::Option* option : positionals)
        write_item(out, italic(option->get_name(true)) + roff_escape(formatter.make_option_opts(option)),
                   option->get_description());
    for (const CLI::Option* option : command.get_options()) {
        if (is_help(command, option) || !option->nonpositional()) continue;
        std::string tag;
        for (const std::string& name : option->get_snames())
            tag += (tag.empty() ? "" : ", ") + bold("-" + name);
        for (const std::string& name : option->get_lnames())
            tag += (tag.empty() ? "" : ", ") + bold("--" + name);
        write_item(out, tag + roff_escape(formatter.make_option_opts(option)), option->get_description());
    }
}

// A verb's section: what `jobctl VERB --help` prints, in man form.
void write_command(std::ostream& out, CLI::App& command, const std::string& path) {
    write_subsection(out, path);
    write_paragraph(out, command.get_description());
    if (!command.get_aliases().empty()) {
        std::string aliases;
        for (const std::string& alias : command.get_aliases())
            aliases += (aliases.empty() ? "" : ", ") + alias;
        write_paragraph(out, "Also: " + aliases);
    }
    std::string usage = formatter_of(command).make_usage(&command, path);
    write_paragraph(out, usage.substr(0, usage.find_last_not_of('\n') + 1));
    write_options(out, command);
    if (!command.get_footer().empty()) write_paragraph(out, command.get_footer());
    for (CLI::App* sub : cli::visible_verbs(command)) write_command(out, *sub, path + " " + sub->get_name());
}

}  // namespace

void write_jobctl_page(std::ostream& out) {
    int exit_code = 0;
    std::unique_ptr<CLI::App> app = cli::make_jobctl_app("", exit_code);
    std::string description = app->get_description();
    std::string summary = description.substr(0, description.find('\n'));
    summary = summary.substr(summary.find(": ") + 2);
    if (summary.ends_with('.')) summary.pop_back();
    write_title(out, "jobctl", cli::kVersion, summary);

    write_section(out, "SYNOPSIS");
    for (CLI::App* verb : cli::visible_verbs(*app)) write_synopsis(out, *verb, "jobctl " + verb->get_name());
    out << bold("jobctl") << " [" << bold("--help") << "] [" << bold("--version") << "]\n.br\n";
    out << bold("jobctl") << "\n";

    write_section(out, "DESCRIPTION");
    write_paragraph(out, description.substr(description.find('\n') + 1));
    write_paragraph(
        out,
        "Each verb prints its own help with 'jobctl VERB --help'; the COMMANDS below are the same "
        "text. The guide of jobctl (docs/guide.md, installed in share/doc/jobctl) has the tutorial and "
        "recipes; docs/design.md says how it works and its limits.");

    write_section(out, "COMMANDS");
    for (CLI::App* verb : cli::visible_verbs(*app)) write_command(out, *verb, "jobctl " + verb->get_name());

    write_section(out, "OPTIONS");
    write_options(out, *app);
    write_item(out, bold("-h") + ", " + bold("--help"), app->get_help_ptr()->get_description());

    write_section(out, "EXIT STATUS");
    for (const cli::ExitCodeText& text : cli::exit_code_texts())
        write_item(out, bold(std::to_string(text.code)), text.meaning);

    write_section(out, "ENVIRONMENT");
    for (const cli::EnvironmentVariable& variable : cli::environment_variables())
        write_item(out, bold(variable.name), variable.meaning);

    write_section(out, "FILES");
    for (const RepositoryFile& file : repository_files()) write_item(out, italic(file.path), file.meaning);

    write_section(out, "EXAMPLES");
    for (const Example& example : kExamples) {
        write_verbatim(out, example.commands);
        write_paragraph(out, example.meaning);
    }

    write_section(out, "SEE ALSO");
    out << bold("jobctl-worker") << "(1)\n";
}

}  // namespace jobctl::manual
