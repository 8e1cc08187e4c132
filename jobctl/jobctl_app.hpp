#pragma once
// The jobctl command line as a CLI11 app: what parses a run, and what shell
// completion (completion.hpp) and the man pages (manual/) read, so that
// neither can drift from --help.

#include <CLI/CLI.hpp>
#include <memory>
#include <string_view>
#include <vector>

namespace jobctl::cli {

inline constexpr std::string_view kVersion = "0.1.0";
inline constexpr std::string_view kAppDescription =
    "jobctl: background jobs you can list, wait for, receive, stop and remove from any process.\n"
    "Jobs live in a repository (JOBCTL_REPOSITORY, default 'default') in the jobctl home\n"
    "(JOBCTL_HOME, else ~/.local/state/jobctl): see 'jobctl repository'.\n"
    "Run with no arguments, jobctl prints its verbs and the jobs of the repository (it creates\n"
    "none), and exits 0. ls, list and ps are get; rm is remove; kill is stop.";

// The app with its description, --version, footer and verbs: only `verb`
// when it names one (a run needs no more), else every verb. The verbs'
// callbacks set `exit_code`.
std::unique_ptr<CLI::App> make_jobctl_app(std::string_view verb, int& exit_code);

// The verbs (subcommands) of `app` that --help lists, in its order.
std::vector<CLI::App*> visible_verbs(CLI::App& app);

}  // namespace jobctl::cli
