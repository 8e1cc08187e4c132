#include "process_jobs/foreach_spec.hpp"

#include <filesystem>

#include "jobctl/error.hpp"
#include "process_jobs/joblog_file.hpp"
#include "process_jobs/run_options.hpp"
#include "process_jobs/ssh_run.hpp"
#include "process_jobs/time_limit.hpp"
#include "ssh/ssh_host.hpp"
#include "table/finish_hook.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

constexpr std::string_view kPlaceholder = "{}";

// `text` with every "{}" replaced by `input`; `placed` is set if there was one.
std::string replace_placeholders(const std::string& text, const std::string& input, bool& placed) {
    std::string result;
    std::size_t start = 0;
    for (std::size_t at; (at = text.find(kPlaceholder, start)) != std::string::npos; start = at + 2) {
        result += text.substr(start, at - start) + input;
        placed = true;
    }
    return result + text.substr(start);
}

}  // namespace

bool detail::is_remote(const ForeachSpec& spec) {
    return spec.inputs_are_hosts || !spec.ssh_hosts.empty();
}

std::vector<std::string> detail::expand_command(const std::vector<std::string>& command,
                                                const std::string& input, bool placed) {
    std::vector<std::string> expanded;
    for (const std::string& argument : command)
        expanded.push_back(replace_placeholders(argument, input, placed));
    if (!placed) expanded.push_back(input);
    return expanded;
}

namespace {

// A path of spec.run for one input. Empty (a blank input for "{}") stays
// empty, the default, as `cd ""` stays where it is.
std::filesystem::path expand_path(const std::filesystem::path& path, const std::string& input, bool& placed) {
    std::string expanded = replace_placeholders(path.string(), input, placed);
    return expanded.empty() ? std::filesystem::path() : detail::absolute_path(expanded);
}

}  // namespace

detail::ChildCommand detail::expand_child(const ForeachSpec& spec, const std::string& input) {
    RunOptions run = spec.run;
    if (spec.inputs_are_hosts) {  // the same command on each host
        run.ssh_host = input;
        return {spec.command, std::move(run)};
    }
    bool placed = false;
    if (!spec.ssh_hosts.empty()) {
        std::string cwd =
            replace_placeholders(run.cwd.string(), input, placed);  // the remote side's, as written
        run.cwd = cwd;
    } else {
        run.cwd = expand_path(run.cwd, input, placed);
    }
    for (std::string& variable : run.env) {
        std::size_t value = variable.find('=') + 1;  // checked: there is one
        variable = variable.substr(0, value) + replace_placeholders(variable.substr(value), input, placed);
    }
    run.stdin_file = expand_path(run.stdin_file, input, placed);
    return {expand_command(spec.command, input, placed), std::move(run)};
}

void check_foreach_spec(const ForeachSpec& spec) {
    if (spec.command.empty() || spec.command[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (!spec.name.empty()) check_job_name(spec.name);
    detail::check_time_limit(spec.run.timeout);
    if (spec.throttle_limit == 0)
        throw Error(ErrorCode::invalid_argument, "the throttle limit must be at least 1");
    if (spec.run.stdin_file == kCallersStdin)
        throw Error(ErrorCode::invalid_argument,
                    "the children of a foreach cannot share its stdin: give each a file (--stdin FILE)");
    if (detail::is_remote(spec)) {
        detail::check_remote_run(spec.run, spec.command[0]);
        if (spec.inputs_are_hosts && !spec.ssh_hosts.empty())
            throw Error(ErrorCode::invalid_argument,
                        "the inputs are the hosts, or the hosts are given: not both");
        detail::parse_ssh_hosts(spec.inputs_are_hosts ? spec.inputs : spec.ssh_hosts);
        RunOptions here = spec.run;  // its folder and program are the other host's: checked there
        here.cwd.clear();
        detail::checked_run_options(here, true);
    } else {
        RunOptions run = detail::checked_run_options(spec.run, true);
        // Where "{}" decides where the program is found, only each child can tell.
        const std::string& program = spec.command[0];
        auto path = detail::command_path_variable(run);
        bool per_child = program.find(kPlaceholder) != std::string::npos ||
                         run.cwd.native().find(kPlaceholder) != std::string::npos ||
                         (path && path->find(kPlaceholder) != std::string::npos);
        if (!per_child) detail::require_program(program, run);
    }
    if (!spec.joblog.empty()) detail::check_joblog_writable(spec.joblog);
    if (!spec.on_finish.empty()) detail::check_finish_hook(spec.on_finish, "--on-finish");
    if (!spec.on_child_finish.empty()) detail::check_finish_hook(spec.on_child_finish, "--on-child-finish");
    check_labels(spec.labels);
}

}  // namespace jobctl
