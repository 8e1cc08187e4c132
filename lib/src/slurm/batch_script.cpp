#include "slurm/batch_script.hpp"

#include <cctype>
#include <string_view>

#include "jobctl/error.hpp"
#include "text/shell_quote.hpp"

namespace jobctl::detail {
namespace {

bool is_shell_name(std::string_view name) {
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) return false;
    return true;
}

std::string export_lines(const std::vector<std::string>& environment) {
    std::string lines;
    for (const std::string& setting : environment) {
        std::size_t equals = setting.find('=');
        std::string name = setting.substr(0, equals);
        if (equals == std::string::npos || !is_shell_name(name))
            throw Error(ErrorCode::invalid_argument,
                        "environment setting '" + setting + "' is not NAME=VALUE with a shell variable name");
        lines += "export " + name + "=" + shell_quoted(setting.substr(equals + 1)) + "\n";
    }
    return lines;
}

void check_command(const std::vector<std::string>& argv) {
    if (argv.empty()) throw Error(ErrorCode::invalid_argument, "a Slurm job needs a command");
    // `exec -x` would be an option to bash's exec, and dash's exec takes no "--".
    if (argv.front().starts_with('-'))
        throw Error(ErrorCode::invalid_argument,
                    "cannot run a program whose name starts with '-' in a Slurm job: " + argv.front());
}

std::string quoted_words(const std::vector<std::string>& argv) {
    std::string words;
    for (const std::string& word : argv) {
        if (!words.empty()) words += ' ';
        words += shell_quoted(word);
    }
    return words;
}

// The command in a subshell that exec replaces: started as execvp would
// start it (found on PATH, never a shell builtin or function, and a word
// such as 'a=b' never an assignment), while the script's own shell lives
// on to write the status. So never a bare `exec` of the command.
//
// The trap keeps that shell alive through the signals `scancel --signal=SIG
// --full` sends to every process of the job (the command gets them too),
// so a command that handles one still has its status written. A handler,
// not '' (ignore): the command must start with the default action.
std::string run_line(const std::string& words) {
    return "trap : HUP INT TERM USR1 USR2\n"
           "( exec " +
           words + " )\n";
}

// `file` and `temporary` are shell words (quoted, or with an expansion).
// The status file holds "STATUS NODE" (just "STATUS" outside Slurm): a
// short job can end before anyone asked Slurm where it ran.
std::string status_lines(const std::string& file, const std::string& temporary) {
    return "status=$?\n"
           "printf '%s\\n' \"$status${SLURMD_NODENAME:+ $SLURMD_NODENAME}\" > " +
           temporary + " && mv -f " + temporary + " " + file +
           "\n"
           "exit $status\n";
}

constexpr std::string_view kHeader = "#!/bin/sh\n# jobctl job\n";

// The pattern as one shell word: quoted pieces around "$SLURM_ARRAY_TASK_ID".
std::string task_file_word(const std::string& pattern, const std::string& suffix) {
    const std::string_view placeholder = kArrayTaskPlaceholder;
    std::string word;
    std::size_t start = 0;
    for (std::size_t at; (at = pattern.find(placeholder, start)) != std::string::npos;
         start = at + placeholder.size())
        word += shell_quoted(pattern.substr(start, at - start)) + "\"$SLURM_ARRAY_TASK_ID\"";
    return word + shell_quoted(pattern.substr(start) + suffix);
}

std::string task_cases(const std::vector<std::vector<std::string>>& argv_per_task) {
    std::string cases = "case \"$SLURM_ARRAY_TASK_ID\" in\n";
    for (std::size_t task = 0; task < argv_per_task.size(); ++task) {
        check_command(argv_per_task[task]);
        cases += std::to_string(task) + ") set -- " + quoted_words(argv_per_task[task]) + " ;;\n";
    }
    return cases + "*) echo \"jobctl: no task $SLURM_ARRAY_TASK_ID\" >&2; exit 2 ;;\nesac\n";
}

}  // namespace

std::string batch_script(const BatchCommand& command) {
    check_command(command.argv);
    if (command.status_file.empty())
        throw Error(ErrorCode::invalid_argument, "a Slurm job needs a status file");
    return std::string(kHeader) + export_lines(command.environment) + run_line(quoted_words(command.argv)) +
           status_lines(shell_quoted(command.status_file), shell_quoted(command.status_file + ".tmp"));
}

std::string array_batch_script(const std::vector<std::vector<std::string>>& argv_per_task,
                               const std::vector<std::string>& environment,
                               const std::string& status_file_pattern) {
    if (argv_per_task.empty()) throw Error(ErrorCode::invalid_argument, "a Slurm job array needs a task");
    if (status_file_pattern.find(kArrayTaskPlaceholder) == std::string::npos)
        throw Error(ErrorCode::invalid_argument, "the status file pattern of a Slurm job array needs " +
                                                     std::string(kArrayTaskPlaceholder) +
                                                     " (the task id): " + status_file_pattern);
    return std::string(kHeader) + export_lines(environment) + task_cases(argv_per_task) + run_line("\"$@\"") +
           status_lines(task_file_word(status_file_pattern, ""), task_file_word(status_file_pattern, ".tmp"));
}

}  // namespace jobctl::detail
