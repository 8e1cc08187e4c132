#include "process_jobs/restart_spec.hpp"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "jobctl/error.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

constexpr const char* kSpecFile = "restart.args";
constexpr const char* kInputsFile = "foreach.inputs";
constexpr const char* kNoWorker = "-";  // argv[0], not kept: a restart runs the worker installed then

// The variables the command sees: the launcher's, unless cleared, with
// the job's own set over them (later ones win), as the worker sets them.
std::vector<std::string> command_environment(const RunOptions& run) {
    std::vector<std::string> environment;
    if (!run.clear_env)
        for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
            environment.emplace_back(*entry);
    for (const std::string& variable : run.env) {
        std::string prefix = variable.substr(0, variable.find('=') + 1);
        std::erase_if(environment, [&](const std::string& entry) { return entry.starts_with(prefix); });
        environment.push_back(variable);
    }
    return environment;
}

}  // namespace

void keep_restart_spec(const std::filesystem::path& job_folder, WorkerArguments arguments) {
    arguments.run.env = command_environment(arguments.run);
    arguments.run.clear_env = true;
    std::error_code gone;  // the worker's folder is its launcher's: where the command started
    if (arguments.run.cwd.empty()) arguments.run.cwd = std::filesystem::current_path(gone);
    arguments.job = 0;
    arguments.job_fd = 3;
    std::string bytes;
    for (const std::string& argument : to_worker_argv(kNoWorker, arguments))
        bytes.append(argument).push_back('\0');
    std::filesystem::path file = job_folder / kSpecFile;
    std::filesystem::path partial = job_folder / (std::string(kSpecFile) + ".partial");
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
        if (!out.flush()) throw_system_error("cannot write " + partial.string(), errno);
    }
    if (std::rename(partial.c_str(), file.c_str()) != 0)
        throw_system_error("cannot write " + file.string(), errno);
}

void keep_foreach_spec(const std::filesystem::path& parent_folder, const std::string& repository,
                       const std::vector<std::string>& command, const RunOptions& run) {
    WorkerArguments arguments;
    arguments.repository = repository;
    arguments.command = command;
    arguments.run = run;
    keep_restart_spec(parent_folder, arguments);
}

void append_foreach_inputs(const std::filesystem::path& parent_folder,
                           const std::vector<std::string>& inputs) {
    std::string bytes;
    for (const std::string& input : inputs) bytes.append(input).push_back('\0');
    std::ofstream out(parent_folder / kInputsFile, std::ios::binary | std::ios::app);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out.flush()) throw_system_error("cannot write " + (parent_folder / kInputsFile).string(), errno);
}

std::vector<std::string> read_foreach_inputs(const std::filesystem::path& parent_folder) {
    std::ifstream in(parent_folder / kInputsFile, std::ios::binary);
    std::vector<std::string> inputs;
    for (std::string input; std::getline(in, input, '\0');) inputs.push_back(input);
    return inputs;
}

std::optional<WorkerArguments> read_restart_spec(const std::filesystem::path& job_folder) {
    std::ifstream in(job_folder / kSpecFile, std::ios::binary);
    if (!in) return std::nullopt;
    std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    std::vector<std::string> arguments;
    for (std::size_t at = 0; at < bytes.size();) {
        std::size_t end = bytes.find('\0', at);
        if (end == std::string::npos) return std::nullopt;  // cut short
        arguments.push_back(bytes.substr(at, end - at));
        at = end + 1;
    }
    std::vector<const char*> argv;
    for (const std::string& argument : arguments) argv.push_back(argument.c_str());
    return parse_worker_argv(static_cast<int>(argv.size()), argv.data());
}

}  // namespace jobctl::detail
