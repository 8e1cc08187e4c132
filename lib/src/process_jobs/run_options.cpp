#include "process_jobs/run_options.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "jobctl/error.hpp"
#include "output/capped_output_log.hpp"
#include "system/program_path.hpp"
#include "table/job_table.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

bool holds_placeholder(const std::filesystem::path& path) {
    return path.native().find("{}") != std::string::npos;
}

// NAME as a shell would take it: letters, digits and '_', not starting with
// a digit. Anything else could not be read back by the command's scripts.
void check_variable(const std::string& variable) {
    std::size_t equals = variable.find('=');
    std::string_view name = std::string_view(variable).substr(0, equals);
    bool good = equals != std::string::npos && !name.empty() && !(name[0] >= '0' && name[0] <= '9');
    for (char c : name)
        good =
            good && ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_');
    if (!good)
        throw Error(ErrorCode::invalid_argument,
                    "bad environment variable '" + variable +
                        "': give NAME=VALUE, NAME of letters, digits and '_', not starting with a digit");
}

// What is wrong with `path` as a folder to start in, or as a file to read; empty: nothing.
std::string folder_problem(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return std::strerror(errno);
    if (!S_ISDIR(status.st_mode)) return "not a folder";
    if (::access(path.c_str(), X_OK) != 0) return std::strerror(errno);
    return {};
}

std::string file_problem(const std::filesystem::path& path) {
    struct stat status {};
    if (::stat(path.c_str(), &status) != 0) return std::strerror(errno);
    if (S_ISDIR(status.st_mode)) return "a folder, not a file";
    if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
    return {};
}

// NAME=VALUE set over `environment`, replacing any NAME= already there.
void set_variable(std::vector<std::string>& environment, const std::string& variable) {
    std::string prefix = variable.substr(0, variable.find('=') + 1);
    std::erase_if(environment, [&](const std::string& entry) { return entry.starts_with(prefix); });
    environment.push_back(variable);
}

}  // namespace

std::filesystem::path absolute_path(const std::filesystem::path& path) {
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(path, error);
    if (error)
        throw Error(ErrorCode::invalid_argument, "cannot find " + path.string() + ": " + error.message());
    absolute = absolute.lexically_normal();  // "/a/b/" too is "/a/b": the cwd recorded and shown
    return absolute.has_filename() || absolute == absolute.root_path() ? absolute : absolute.parent_path();
}

namespace {

void check_retry_policy(const RetryPolicy& retry) {
    using std::chrono::milliseconds;
    constexpr milliseconds kDay = std::chrono::hours(24);
    bool any = retry.delay.count() != 0 || retry.max_delay.count() != 0 || !retry.on_exit_codes.empty();
    if (retry.retries == 0 && any)
        throw Error(ErrorCode::invalid_argument, "--retry-delay and --retry-on need --retries N");
    if (retry.retries > kMaxRetries)
        throw Error(ErrorCode::invalid_argument, "at most " + std::to_string(kMaxRetries) + " retries, not " +
                                                     std::to_string(retry.retries));
    if (retry.delay < milliseconds(0) || retry.delay > kDay || retry.max_delay < milliseconds(0) ||
        retry.max_delay > kDay)
        throw Error(ErrorCode::invalid_argument, "a retry delay is from 0 to 1d");
    if (retry.max_delay.count() != 0 && retry.max_delay < retry.delay)
        throw Error(ErrorCode::invalid_argument,
                    "a retry delay's longest (after '..') is shorter than its first");
    for (int code : retry.on_exit_codes)
        if (code < 1 || code > 255)
            throw Error(ErrorCode::invalid_argument,
                        "--retry-on takes exit codes from 1 to 255, not " + std::to_string(code));
}

// Limits that make sense, on a system that can set them.
void check_limits(const RunOptions& run) {
    if (run.memory_limit_bytes && *run.memory_limit_bytes < (1u << 20))
        throw Error(ErrorCode::invalid_argument, "a memory limit must be at least 1M");
    if (run.cpu_limit && !(*run.cpu_limit >= 0.01 && *run.cpu_limit <= 100000))
        throw Error(ErrorCode::invalid_argument, "a CPU limit must be between 0.01 and 100000 CPUs");
    if (run.process_limit && *run.process_limit == 0)
        throw Error(ErrorCode::invalid_argument, "a process limit must be at least 1");
    check_retry_policy(run.retry);
    if (run.max_output && *run.max_output != 0 && *run.max_output < kMinOutputCap)
        throw Error(ErrorCode::invalid_argument, "an output cap must be 0 (none) or at least 4K");
    if (std::string missing = limits_unavailable(limits_of(run)); !missing.empty())
        throw Error(ErrorCode::invalid_argument, missing);
    if (std::string problem = containment_choice_problem(); !problem.empty())
        throw Error(ErrorCode::invalid_argument, problem);
}

}  // namespace

RunOptions checked_run_options(const RunOptions& run, bool templates) {
    RunOptions checked = run;
    for (const std::string& variable : run.env) check_variable(variable);
    if (!run.cwd.empty() && !(templates && holds_placeholder(run.cwd))) {
        checked.cwd = absolute_path(run.cwd);
        if (std::string problem = folder_problem(checked.cwd); !problem.empty())
            throw Error(ErrorCode::invalid_argument,
                        "cannot use " + checked.cwd.string() + " as the working folder: " + problem);
    }
    if (!run.stdin_file.empty() && run.stdin_file != kCallersStdin &&
        !(templates && holds_placeholder(run.stdin_file))) {
        checked.stdin_file = absolute_path(run.stdin_file);
        if (std::string problem = file_problem(checked.stdin_file); !problem.empty())
            throw Error(ErrorCode::invalid_argument,
                        "cannot read " + checked.stdin_file.string() + " as stdin: " + problem);
    }
    check_limits(run);
    return checked;
}

CgroupLimits limits_of(const RunOptions& run) {
    CgroupLimits limits;
    limits.memory_bytes = run.memory_limit_bytes;
    if (run.cpu_limit) limits.cpu_micros_per_second = static_cast<std::uint64_t>(*run.cpu_limit * 1e6 + 0.5);
    limits.processes = run.process_limit;
    return limits;
}

std::filesystem::path command_cwd(const RunOptions& run) {
    std::error_code gone;
    return run.cwd.empty() ? std::filesystem::current_path(gone) : run.cwd;
}

std::optional<std::string> command_path_variable(const RunOptions& run) {
    for (auto variable = run.env.rbegin(); variable != run.env.rend(); ++variable)
        if (variable->starts_with("PATH=")) return variable->substr(5);
    const char* ours = run.clear_env ? nullptr : std::getenv("PATH");
    return ours != nullptr ? std::optional<std::string>(ours) : std::nullopt;
}

void require_program(const std::string& program, const RunOptions& run) {
    if (find_program(program, command_path_variable(run), run.cwd)) return;
    bool on_path = program.find('/') == std::string::npos;
    std::string where = on_path ? " on PATH" : run.cwd.empty() ? "" : " in " + run.cwd.string();
    throw Error(ErrorCode::program_not_found,
                "cannot run '" + program + "': no such executable file" + where);
}

PreparedCommand prepare_command(const RunOptions& run, const std::string& program) {
    PreparedCommand prepared;
    CommandSetup& setup = prepared.setup;
    setup.cwd = run.cwd.string();
    if (run.clear_env || !run.env.empty()) {
        std::vector<std::string> ours;
        if (!run.clear_env)
            for (char** entry = environ; *entry != nullptr; ++entry) ours.emplace_back(*entry);
        setup.environment = command_environment(std::move(ours), run);
    }
    // A path (with '/') goes to exec as it is, which says best what is wrong with it.
    auto found = find_program(program, command_path_variable(run), run.cwd);
    if (!found && program.find('/') == std::string::npos) {
        prepared.failure = std::string("exec failed: ") + std::strerror(ENOENT);
        return prepared;
    }
    setup.program = found ? found->string() : program;
    if (run.stdin_file == kCallersStdin) {
        setup.stdin_fd = STDIN_FILENO;
    } else if (!run.stdin_file.empty()) {
        prepared.stdin_file.reset(::open(run.stdin_file.c_str(), O_RDONLY | O_CLOEXEC));
        if (!prepared.stdin_file) {
            prepared.failure =
                "cannot open " + run.stdin_file.string() + " as stdin: " + std::strerror(errno);
            return prepared;
        }
        setup.stdin_fd = prepared.stdin_file.get();
    }
    return prepared;
}

}  // namespace jobctl::detail

std::vector<std::string> jobctl::detail::command_environment(std::vector<std::string> base,
                                                             const RunOptions& run) {
    if (run.clear_env) base.clear();
    for (const std::string& variable : run.env) set_variable(base, variable);
    return base;
}

namespace jobctl {

std::uint64_t default_max_output(const Repository& repository) {
    return detail::table_of(repository).default_max_output();
}

void set_default_max_output(const Repository& repository, std::uint64_t bytes) {
    if (bytes != 0 && bytes < kMinOutputCap)
        throw Error(ErrorCode::invalid_argument, "an output cap must be 0 (none) or at least 4K");
    detail::table_of(repository).set_default_max_output(bytes);
}

}  // namespace jobctl
