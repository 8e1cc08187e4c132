#pragma once
// Runs the real `jobctl` binary as a separate process and collects its
// exit status, stdout and stderr.

#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace jobctl::test {

struct CliResult {
    int exit_code = -1;  // 128 + signal when killed
    std::string out;
    std::string err;
};

// A jobctl (or any program) running in the background.
class CliProcess {
public:
    // args[0] "jobctl" or "jobctl-worker" is taken from the build's bin folder.
    explicit CliProcess(std::vector<std::string> args);
    ~CliProcess();
    CliProcess(const CliProcess&) = delete;
    CliProcess& operator=(const CliProcess&) = delete;

    pid_t pid() const { return pid_; }
    // Reads its stderr until `text` appears there (true) or `limit` passes,
    // or stderr ends, first (false). What was read is kept for finish().
    bool wait_for_error_text(const std::string& text, std::chrono::milliseconds limit);
    CliResult finish();  // reads all output and reaps

private:
    pid_t pid_ = -1;
    int out_fd_ = -1;
    int err_fd_ = -1;
    std::string err_read_;  // by wait_for_error_text
};

// `jobctl ARGS...` to completion.
CliResult jobctl(std::vector<std::string> args);
// `sh -c SCRIPT` with the build's bin folder first on PATH.
CliResult shell(const std::string& script);

std::string bin_dir();

// `text` split at line breaks (a last line break ends the last line).
std::vector<std::string> lines_of(const std::string& text);

}  // namespace jobctl::test
