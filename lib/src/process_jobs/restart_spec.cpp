#include "process_jobs/restart_spec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "jobctl/error.hpp"
#include "process_jobs/run_options.hpp"
#include "system/private_file.hpp"

extern char** environ;

namespace jobctl::detail {
namespace {

// One file, not two: each file is an inode to make for every job (and
// on an ext4 without a journal, each costs a scan past the inodes deleted
// lately).
constexpr const char* kRestartFile = "restart";
constexpr const char* kInputsFile = "foreach.inputs";
constexpr const char* kNoWorker = "-";  // argv[0], not kept: a restart runs the worker installed then

// NUL after each.
std::string joined(const std::vector<std::string>& strings) {
    std::string bytes;
    for (const std::string& text : strings) bytes.append(text).push_back('\0');
    return bytes;
}

std::optional<std::vector<std::string>> split(const std::string& bytes) {
    std::vector<std::string> strings;
    for (std::size_t at = 0; at < bytes.size();) {
        std::size_t end = bytes.find('\0', at);
        if (end == std::string::npos) return std::nullopt;  // cut short
        strings.push_back(bytes.substr(at, end - at));
        at = end + 1;
    }
    return strings;
}

std::optional<std::string> read_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

}  // namespace

void keep_restart_spec(const std::filesystem::path& job_folder, WorkerArguments arguments) {
    std::error_code gone;  // the worker's folder is its launcher's: where the command started
    // (not for a job on another host: its folder is the remote side's, empty there: the home)
    if (arguments.run.cwd.empty() && arguments.run.ssh_host.empty())
        arguments.run.cwd = std::filesystem::current_path(gone);
    arguments.job = 0;
    arguments.job_fd = 3;
    arguments.resume_remote = false;  // a restart runs the command again
    // How many of the strings are arguments, then the arguments, then the
    // environment: built in one buffer (a waiting worker keeps every heap
    // page it touched).
    std::vector<std::string> argv = to_worker_argv(kNoWorker, arguments);
    std::size_t size = 16;
    for (const std::string& argument : argv) size += argument.size() + 1;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
        size += std::strlen(*entry) + 1;
    std::string bytes;
    bytes.reserve(size);
    bytes.append(std::to_string(argv.size())).push_back('\0');
    for (const std::string& argument : argv) bytes.append(argument).push_back('\0');
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry)
        bytes.append(*entry).push_back('\0');
    write_private_file(job_folder / kRestartFile, bytes);
}

std::optional<RestartSpec> read_restart_spec(const std::filesystem::path& job_folder) {
    std::optional<std::string> bytes = read_file(job_folder / kRestartFile);
    std::optional<std::vector<std::string>> strings = bytes ? split(*bytes) : std::nullopt;
    if (!strings || strings->empty()) return std::nullopt;
    std::size_t count = 0;
    const std::string& counted = strings->front();
    auto [end, error] = std::from_chars(counted.data(), counted.data() + counted.size(), count);
    if (error != std::errc{} || end != counted.data() + counted.size() || count == 0 ||
        count > strings->size() - 1)
        return std::nullopt;
    std::vector<const char*> argv;
    for (std::size_t i = 1; i <= count; ++i) argv.push_back((*strings)[i].c_str());
    std::vector<std::string> environment(strings->begin() + 1 + static_cast<std::ptrdiff_t>(count),
                                         strings->end());
    std::optional<WorkerArguments> parsed = parse_worker_argv(static_cast<int>(argv.size()), argv.data());
    if (!parsed) return std::nullopt;
    return RestartSpec{*parsed, std::move(environment)};
}

std::vector<std::string> command_environment(const RestartSpec& spec) {
    return command_environment(spec.environment, spec.arguments.run);
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
    std::string bytes = joined(inputs);
    std::filesystem::path file = parent_folder / kInputsFile;
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw_system_error("cannot write " + file.string(), errno);
    bool written = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size());
    int error = errno;
    ::close(fd);
    if (!written) throw_system_error("cannot write " + file.string(), error);
}

std::vector<std::string> read_foreach_inputs(const std::filesystem::path& parent_folder) {
    std::optional<std::string> bytes = read_file(parent_folder / kInputsFile);
    std::optional<std::vector<std::string>> inputs = bytes ? split(*bytes) : std::nullopt;
    return inputs.value_or(std::vector<std::string>{});
}

}  // namespace jobctl::detail
