#include "exit_codes.hpp"

#include <iostream>

#include "printable_text.hpp"

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
        case ErrorCode::cluster:
            return kClusterError;
    }
    return kSystemError;
}

int exit_code_of_outcome(const JobInfo& job, bool quiet) {
    if (job.state == JobState::completed) return kSuccess;
    if (!quiet)
        std::cerr << "jobctl: job " << job.id << " (" << printable(job.name) << ") " << to_string(job.state)
                  << (job.reason.empty() ? "" : ": " + printable(job.reason)) << '\n';
    return kJobFailed;
}

}  // namespace jobctl::cli

namespace jobctl::cli {

std::span<const ExitCodeText> exit_code_texts() {
    static constexpr ExitCodeText kTexts[] = {
        {kSuccess, "ok", "Success."},
        {kJobFailed, "a job failed",
         "A job that wait waited for ended Failed or Stopped; a foreach child ended Failed or Stopped; "
         "the command of run could not run (run otherwise exits with its command's own status)."},
        {kUsage, "usage",
         "Usage error: a bad option or value (a bad --timeout duration), a missing command, a bad job "
         "name, an ambiguous name, a bad JOBCTL_REPOSITORY, a bad JOBCTL_CAPACITY when creating a "
         "repository, or suspend of a thread job of a C++ program."},
        {kJobNotFound, "no such job",
         "No job with that id or name; for wait, also a job removed or evicted before wait saw it end "
         "(one line names it and its last state)."},
        {kTimeout, "timeout", "wait --timeout ran out first."},
        {kJobBusy, "job busy",
         "Job busy: remove of an unfinished job without --force, stop timed out (for instance on a "
         "thread job that ignores the request), or suspend timed out."},
        {kRepositoryUnusable, "repository unusable",
         "Repository unusable: damaged, foreign (another owner or an open mode) or from an "
         "incompatible jobctl."},
        {kRepositoryFull, "repository full",
         "Repository full: every job is unfinished or has output nobody received (finished, received "
         "jobs make room by themselves); receive and remove jobs."},
        {kProgramNotFound, "program not found",
         "The program (or jobctl-worker) cannot be found or is not executable."},
        {kSystemError, "system error", "An operating-system call failed."},
        {kClusterError, "cluster error",
         "Slurm refused the request (an unknown partition, a time limit over the partition's) or "
         "could not be reached; the message is Slurm's own, and nothing was registered."},
        {130, "",
         "Interrupted by Ctrl-C while waiting (jobctl dies from SIGINT; the jobs go on); foreach "
         "interrupted by a signal stops every child, then exits 128 + the signal: 130 for SIGINT, "
         "143 for SIGTERM, 129 for SIGHUP."},
        {141, "",
         "The reader of the output closed early (jobctl ... | head -2): jobctl stops quietly, as any "
         "command in a pipeline does (128 + SIGPIPE). What was not printed stays unreceived; run and "
         "foreach stop their jobs first and keep them."},
    };
    return kTexts;
}

std::string exit_codes_footer() {
    std::string footer = "Exit codes:";
    std::size_t line_start = 0;
    bool first = true;
    for (const ExitCodeText& text : exit_code_texts()) {
        if (text.brief.empty()) continue;  // a signal's status, not ours
        std::string item = std::to_string(text.code) + " " + std::string(text.brief);
        if (!first) footer += ",";
        first = false;
        if (footer.size() - line_start + 1 + item.size() + 1 > 90) {
            footer += '\n';
            line_start = footer.size();
        } else {
            footer += ' ';
        }
        footer += item;
    }
    return footer + ".";
}

}  // namespace jobctl::cli
