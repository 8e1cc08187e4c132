#include "run_option_flags.hpp"

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
}

}  // namespace jobctl::cli
