#pragma once
// The one exception hierarchy of jobctl. Every error carries a stable code
// that the command line maps to its documented exit status.

#include <stdexcept>
#include <string>

namespace jobctl {

enum class ErrorCode {
    invalid_argument,     // bad name, empty command, bad option value
    job_not_found,        // no job with that id or name
    ambiguous_job,        // a name that matches several jobs
    job_busy,             // the job is not in a state that allows the request
    timeout,              // a wait ran out of time
    repository_unusable,  // damaged, foreign or incompatible segment
    repository_full,      // no free slot
    program_not_found,    // the command to run does not exist or is not executable
    system,               // an operating-system call failed
    cluster,              // the cluster (Slurm) refused a request or could not be reached
};

class Error : public std::runtime_error {
public:
    Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
    ErrorCode code() const noexcept { return code_; }

private:
    ErrorCode code_;
};

// Throws Error(ErrorCode::system) with "<what>: <strerror(errno_value)>".
[[noreturn]] void throw_system_error(const std::string& what, int errno_value);

}  // namespace jobctl
