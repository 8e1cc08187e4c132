#include "exit_codes.hpp"

#include <iostream>

namespace jobctl::cli {

int exit_code_for(ErrorCode code) {
    switch (code) {
        case ErrorCode::invalid_argument:
            return kUsage;
        case ErrorCode::ambiguous_job:
            return kUsage;
        case ErrorCode::job_not_found:
            return kJobNotFound;
        case ErrorCode::timeout:
            return kTimeout;
        case ErrorCode::job_busy:
            return kJobBusy;
        case ErrorCode::repository_unusable:
            return kRepositoryUnusable;
        case ErrorCode::repository_full:
            return kRepositoryFull;
        case ErrorCode::program_not_found:
            return kProgramNotFound;
        case ErrorCode::system:
            return kSystemError;
    }
    return kSystemError;
}

int exit_code_of_outcome(const JobInfo& job, bool quiet) {
    if (job.state == JobState::completed) return kSuccess;
    if (!quiet)
        std::cerr << "jobctl: job " << job.id << " (" << job.name << ") " << to_string(job.state)
                  << (job.reason.empty() ? "" : ": " + job.reason) << '\n';
    return kJobFailed;
}

}  // namespace jobctl::cli
