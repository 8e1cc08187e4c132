#include "run_option_flags.hpp"

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
                        " at most SIZE of output (e.g. 100M): the first and last halves, the middle "
                        "dropped (default: the repository's, 'jobctl repository'; 0: no cap)")
        ->check(zero_or_at_least(4096));
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
