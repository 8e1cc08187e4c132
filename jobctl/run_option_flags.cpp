#include "run_option_flags.hpp"

#include <sstream>

#include "jobctl/duration_text.hpp"
#include "size_option.hpp"

namespace jobctl::cli {

void add_run_option_flags(CLI::App& command, RunOptions& run, const std::string& stdin_dash,
                          bool placeholders) {
    std::string each = placeholders ? " ('{}' is the input)" : "";
    command.add_option("--cwd", run.cwd, "Run the command in folder DIR" + each)->type_name("DIR");
    // One NAME=VALUE per --env (a value may hold commas), so that the command after it is never taken.
    command.add_option("--env", run.env, "Set NAME=VALUE in the command's environment (repeatable)" + each)
        ->type_name("NAME=VALUE")
        ->allow_extra_args(false);
    command.add_flag("--clear-env", run.clear_env, "Start from an empty environment (plus --env)");
    command
        .add_option("--stdin", run.stdin_file,
                    "The command reads FILE (default /dev/null)" + each + stdin_dash)
        ->type_name("FILE");
    add_size_option(command, "--max-output", run.max_output,
                    std::string(placeholders ? "Per child, keep" : "Keep") +
                        " at most SIZE of output (at least 4K, e.g. 100M): the first and last halves, the "
                        "middle dropped (default: the repository's, 'jobctl repository'; 0: no cap)")
        ->check(zero_or_at_least(4096));
}

namespace {

// "5s" or "5s..5m": the first delay, and the longest with doubling.
std::string parse_retry_delay(const std::string& text, RetryPolicy& retry) {
    std::size_t dots = text.find("..");
    std::optional<std::chrono::milliseconds> first =
        parse_duration(text.substr(0, dots), std::chrono::hours(24));
    std::optional<std::chrono::milliseconds> longest =
        dots == std::string::npos ? std::optional(std::chrono::milliseconds(0))
                                  : parse_duration(text.substr(dots + 2), std::chrono::hours(24));
    if (!first || !longest)
        return "must be a DURATION (5s, 1m30s), or FIRST..LONGEST (5s..5m) to double it each time, not '" +
               text + "'";
    retry.delay = *first;
    retry.max_delay = *longest;
    return "";
}

// "75" or "1,75,124".
std::string parse_retry_codes(const std::string& text, RetryPolicy& retry) {
    retry.on_exit_codes.clear();
    std::stringstream list(text);
    for (std::string code; std::getline(list, code, ',');) {
        if (code.empty() || code.size() > 3 || code.find_first_not_of("0123456789") != std::string::npos ||
            std::stoi(code) < 1 || std::stoi(code) > 255)
            return "takes exit codes from 1 to 255, separated by commas, not '" + text + "'";
        retry.on_exit_codes.push_back(std::stoi(code));
    }
    return retry.on_exit_codes.empty() ? "needs exit codes, e.g. 75 or 1,75" : "";
}

}  // namespace

void add_retry_options(CLI::App& command, RetryPolicy& retry, const std::string& whose) {
    command
        .add_option("--retries", retry.retries, "Run " + whose + " again, up to N more times, while it fails")
        ->type_name("N")
        ->check(CLI::Range(0u, kMaxRetries));
    command
        .add_option_function<std::string>(
            "--retry-delay", [&retry](const std::string& text) { parse_retry_delay(text, retry); },
            "Wait DURATION before each retry (default 0), or FIRST..LONGEST (5s..5m) to double it each time")
        ->type_name("DURATION")
        ->check(CLI::Validator(
            [](std::string& text) {
                RetryPolicy probe;
                return parse_retry_delay(text, probe);
            },
            ""));
    command
        .add_option_function<std::string>(
            "--retry-on", [&retry](const std::string& text) { parse_retry_codes(text, retry); },
            "Retry only these exit codes (e.g. 75 or 1,75; default: any failure)")
        ->type_name("CODES")
        ->check(CLI::Validator(
            [](std::string& text) {
                RetryPolicy probe;
                return parse_retry_codes(text, probe);
            },
            ""));
}

void add_finish_hook_option(CLI::App& command, const std::string& name, std::string& hook,
                            const std::string& whose) {
    command
        .add_option(name, hook,
                    "Run shell command CMD once " + whose +
                        " ends, however it ends: JOBCTL_JOB_ID, _NAME, _STATE, _EXIT_CODE, _SIGNAL "
                        "and _REASON in its environment; its output in the job's folder")
        ->type_name("CMD")
        ->check(CLI::Validator(
            [](std::string& text) -> std::string {
                return text.find_first_not_of(" \t\n") == std::string::npos ? "needs a command" : "";
            },
            ""));
}

}  // namespace jobctl::cli
