#pragma once
// The documented, stable exit statuses of `jobctl` (see EXIT STATUS in man jobctl).

#include <span>
#include <string>
#include <string_view>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"

namespace jobctl::cli {

enum ExitCode : int {
    kSuccess = 0,
    kJobFailed = 1,           // a waited (or run) job ended Failed or Stopped
    kUsage = 2,               // bad option, missing command, bad name, ambiguous name
    kJobNotFound = 3,         // no job with that id or name
    kTimeout = 4,             // --timeout passed first
    kJobBusy = 5,             // the job is running (remove without --force) or will not stop
    kRepositoryUnusable = 6,  // damaged, foreign or incompatible repository segment
    kRepositoryFull = 7,      // no free slot: remove finished jobs
    kProgramNotFound = 8,     // the command (or jobctl-worker) cannot be run
    kSystemError = 9,         // an operating-system call failed
    kClusterError = 10,       // Slurm refused the request or could not be reached
    // Ctrl-C kills jobctl by SIGINT as usual (a shell shows 130); the jobs go on.
};

int exit_code_for(ErrorCode code);

// What `wait` gives a finished job: kSuccess if it Completed, else
// kJobFailed, naming it on stderr ("jobctl: job 3 (build) Failed: reason")
// unless `quiet`. Shared by wait, watch and receive --remove.
int exit_code_of_outcome(const JobInfo& job, bool quiet);

// What each exit status means, said once for `jobctl --help` (the brief
// word) and the man page (the whole meaning).
struct ExitCodeText {
    int code;
    std::string_view brief;    // "job busy"
    std::string_view meaning;  // one or more sentences
};
std::span<const ExitCodeText> exit_code_texts();

// "Exit codes: 0 ok, 1 a job failed, ...", wrapped: the app's footer.
std::string exit_codes_footer();

}  // namespace jobctl::cli
