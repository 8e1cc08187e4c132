#include "process_jobs/worker_arguments.hpp"

#include <cstdlib>
#include <cstring>
#include <string_view>

namespace jobctl::detail {
namespace {

void add(std::vector<std::string>& argv, const char* option, const std::string& value) {
    argv.push_back(option);
    argv.push_back(value);
}

std::optional<std::uint64_t> number(const char* text) {
    char* end = nullptr;
    errno = 0;
    unsigned long long value = std::strtoull(text, &end, 10);
    if (*text == '\0' || *end != '\0' || errno != 0) return std::nullopt;
    return value;
}

// One "--option value" pair; false for an unknown option or a bad value.
bool apply(std::string_view option, const char* value, WorkerArguments& out) {
    if (option == "--repository") {
        out.repository = value;
    } else if (option == "--job" || option == "--after") {
        auto id = number(value);
        if (!id || *id == 0 || *id > UINT32_MAX) return false;
        if (option == "--job")
            out.job = static_cast<JobId>(*id);
        else
            out.start_when.after.push_back(static_cast<JobId>(*id));
    } else if (option == "--job-fd") {
        auto fd = number(value);
        if (!fd || *fd > INT32_MAX) return false;
        out.job_fd = static_cast<int>(*fd);
    } else if (option == "--timeout-ms") {
        auto ms = number(value);
        if (!ms) return false;
        out.run.timeout = std::chrono::milliseconds(*ms);
    } else if (option == "--memory-max") {
        out.run.memory_limit_bytes = number(value);
        if (!out.run.memory_limit_bytes) return false;
    } else if (option == "--max-output") {
        out.run.max_output = number(value);
        if (!out.run.max_output) return false;
    } else if (option == "--retries") {
        auto retries = number(value);
        if (!retries || *retries > kMaxRetries) return false;
        out.run.retry.retries = static_cast<unsigned>(*retries);
    } else if (option == "--retry-delay-ms" || option == "--retry-max-delay-ms") {
        auto ms = number(value);
        if (!ms) return false;
        (option == "--retry-delay-ms" ? out.run.retry.delay : out.run.retry.max_delay) =
            std::chrono::milliseconds(*ms);
    } else if (option == "--retry-on") {
        auto code = number(value);
        if (!code || *code > 255) return false;
        out.run.retry.on_exit_codes.push_back(static_cast<int>(*code));
    } else if (option == "--cpu-max-micros") {  // per second
        auto micros = number(value);
        if (!micros) return false;
        out.run.cpu_limit = static_cast<double>(*micros) / 1e6;
    } else if (option == "--pids-max") {
        auto processes = number(value);
        if (!processes || *processes > UINT32_MAX) return false;
        out.run.process_limit = static_cast<std::uint32_t>(*processes);
    } else if (option == "--cwd") {
        out.run.cwd = value;
    } else if (option == "--env") {
        out.run.env.emplace_back(value);
    } else if (option == "--clear-env") {
        out.run.clear_env = std::strcmp(value, "1") == 0;
    } else if (option == "--stdin") {
        out.run.stdin_file = value;
    } else if (option == "--stdin-spooled") {
        out.stdin_spooled = std::strcmp(value, "1") == 0;
    } else if (option == "--resume-remote") {
        out.resume_remote = std::strcmp(value, "1") == 0;
    } else if (option == "--after-any-outcome") {
        out.start_when.after_any_outcome = std::strcmp(value, "1") == 0;
    } else if (option == "--ssh-host") {
        out.run.ssh_host = value;
    } else if (option == "--queue") {
        out.start_when.queue = value;
    } else {
        return false;
    }
    return true;
}

}  // namespace

std::vector<std::string> to_worker_argv(const std::string& worker, const WorkerArguments& arguments) {
    std::vector<std::string> argv{worker};
    add(argv, "--repository", arguments.repository);
    if (arguments.job != 0)
        add(argv, "--job", std::to_string(arguments.job));
    else
        add(argv, "--job-fd", std::to_string(arguments.job_fd));
    const RunOptions& run = arguments.run;
    if (!run.cwd.empty()) add(argv, "--cwd", run.cwd.string());
    for (const std::string& variable : run.env) add(argv, "--env", variable);
    if (run.clear_env) add(argv, "--clear-env", "1");
    if (!run.stdin_file.empty()) add(argv, "--stdin", run.stdin_file.string());
    if (arguments.stdin_spooled) add(argv, "--stdin-spooled", "1");
    if (arguments.resume_remote) add(argv, "--resume-remote", "1");
    if (run.timeout) add(argv, "--timeout-ms", std::to_string(run.timeout->count()));
    if (run.memory_limit_bytes) add(argv, "--memory-max", std::to_string(*run.memory_limit_bytes));
    if (run.max_output) add(argv, "--max-output", std::to_string(*run.max_output));
    if (run.retry.retries != 0) {
        add(argv, "--retries", std::to_string(run.retry.retries));
        add(argv, "--retry-delay-ms", std::to_string(run.retry.delay.count()));
        add(argv, "--retry-max-delay-ms", std::to_string(run.retry.max_delay.count()));
        for (int code : run.retry.on_exit_codes) add(argv, "--retry-on", std::to_string(code));
    }
    if (run.cpu_limit)
        add(argv, "--cpu-max-micros", std::to_string(static_cast<std::uint64_t>(*run.cpu_limit * 1e6 + 0.5)));
    if (run.process_limit) add(argv, "--pids-max", std::to_string(*run.process_limit));
    if (!run.ssh_host.empty()) add(argv, "--ssh-host", run.ssh_host);
    const StartConditions& when = arguments.start_when;
    for (JobId id : when.after) add(argv, "--after", std::to_string(id));
    if (when.after_any_outcome) add(argv, "--after-any-outcome", "1");
    if (!when.queue.empty()) add(argv, "--queue", when.queue);
    argv.push_back("--");
    argv.insert(argv.end(), arguments.command.begin(), arguments.command.end());
    return argv;
}

std::optional<WorkerArguments> parse_worker_argv(int argc, const char* const* argv) {
    WorkerArguments out;
    int i = 1;
    for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2)
        if (!apply(argv[i], argv[i + 1], out)) return std::nullopt;
    if (i >= argc || std::strcmp(argv[i], "--") != 0) return std::nullopt;
    out.command.assign(argv + i + 1, argv + argc);
    if (out.repository.empty() || (out.job == 0) == (out.job_fd < 0) || out.command.empty())
        return std::nullopt;
    return out;
}

}  // namespace jobctl::detail
