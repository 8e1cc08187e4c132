#pragma once
// --cwd, --env, --clear-env, --stdin and --max-output: how the command of start, run and
// foreach runs (RunOptions). The library checks the values.

#include <CLI/CLI.hpp>
#include <string>

#include "jobctl/process_job.hpp"

namespace jobctl::cli {

// `stdin_dash` says what "--stdin -" does for this command; `placeholders`
// mentions "{}" (foreach).
// --retries N, --retry-delay DURATION[..LONGEST], --retry-on CODES (RetryPolicy).
void add_retry_options(CLI::App& command, RetryPolicy& retry, const std::string& whose);

// --on-finish CMD (and a foreach's --on-child-finish CMD): `whose` says
// whose end runs it.
void add_finish_hook_option(CLI::App& command, const std::string& name, std::string& hook,
                            const std::string& whose);

void add_run_option_flags(CLI::App& command, RunOptions& run, const std::string& stdin_dash,
                          bool placeholders = false);

}  // namespace jobctl::cli
