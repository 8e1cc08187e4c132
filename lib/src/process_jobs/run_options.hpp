#pragma once
// RunOptions (a job's working folder, environment and stdin): checked before
// anything is registered, and turned into what spawn_command needs when the
// command starts. The rules are those of env(1): the command's own PATH
// finds its program, from its own working folder.

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/process_job.hpp"
#include "system/command_spawn.hpp"
#include "system/file_descriptor.hpp"
#include "system/job_cgroup.hpp"

namespace jobctl::detail {

// `path` made absolute (relative to our own folder) and normal.
// Errors: invalid_argument (our folder is gone).
std::filesystem::path absolute_path(const std::filesystem::path& path);

// `run` checked, with cwd and stdin_file made absolute (relative to our own
// folder). With `templates` (a foreach spec), a cwd or stdin_file holding
// "{}" is left as it is: it is known only for each child.
// Errors: invalid_argument (a bad NAME=VALUE, a cwd that is not an
// accessible folder, a stdin_file that is not a readable file, a limit
// that is out of range or that no cgroup here can hold).
RunOptions checked_run_options(const RunOptions& run, bool templates = false);

// The cgroup limits `run` asks for.
CgroupLimits limits_of(const RunOptions& run);

// The folder the command starts in: run.cwd, else our own (empty if it is gone).
std::filesystem::path command_cwd(const RunOptions& run);

// The PATH the command gets (empty: none), along which its program is found.
std::optional<std::string> command_path_variable(const RunOptions& run);

// Errors: program_not_found unless `program` is found as the command will
// find it (its PATH, from its folder).
void require_program(const std::string& program, const RunOptions& run);

// What spawn_command needs for `program` run as `run` says: the
// environment, the program found along the command's PATH, the stdin opened
// ("-": ours). `failure` says why the command cannot start, if it cannot.
struct PreparedCommand {
    CommandSetup setup;
    FileDescriptor stdin_file;  // setup.stdin_fd, when opened here
    std::string failure;
};
PreparedCommand prepare_command(const RunOptions& run, const std::string& program);

// The variables a command sees: `base` (none with run.clear_env), with
// run.env set over it, later ones winning.
std::vector<std::string> command_environment(std::vector<std::string> base, const RunOptions& run);

}  // namespace jobctl::detail
