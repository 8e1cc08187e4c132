#pragma once
// What a bare `jobctl` prints: a short usage (the verbs, a line each), then
// the jobs of the current repository, as a first look for whoever typed it.

#include <CLI/CLI.hpp>

namespace jobctl::cli {

// `app` with every verb. Lists the jobs only of a repository that exists:
// it creates none, and an unusable one is left for the verbs to report.
void print_overview(CLI::App& app);

}  // namespace jobctl::cli
