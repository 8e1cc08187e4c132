// jobctl-worker: runs one process job. Started by `jobctl start` (through
// the library), never by hand:
//   jobctl-worker --repository NAME --job ID -- COMMAND [ARGS...]

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/process_job_runner.hpp"

namespace {

struct WorkerArguments {
    std::string repository;
    jobctl::JobId job = 0;
    std::vector<std::string> command;
};

bool parse(int argc, char** argv, WorkerArguments& out) {
    int i = 1;
    for (; i + 1 < argc && std::strcmp(argv[i], "--") != 0; i += 2) {
        if (std::strcmp(argv[i], "--repository") == 0)
            out.repository = argv[i + 1];
        else if (std::strcmp(argv[i], "--job") == 0)
            out.job = static_cast<jobctl::JobId>(std::strtoul(argv[i + 1], nullptr, 10));
        else
            return false;
    }
    if (i >= argc || std::strcmp(argv[i], "--") != 0) return false;
    out.command.assign(argv + i + 1, argv + argc);
    return !out.repository.empty() && out.job != 0 && !out.command.empty();
}

}  // namespace

int main(int argc, char** argv) {
    WorkerArguments arguments;
    if (!parse(argc, argv, arguments)) {
        std::fprintf(stderr,
                     "usage: jobctl-worker --repository NAME --job ID -- COMMAND [ARGS...]\n"
                     "Runs one process job of a jobctl repository; started by 'jobctl start'.\n");
        return 2;
    }
    try {
        auto repository = jobctl::Repository::open(arguments.repository);
        return jobctl::detail::run_process_job(repository, arguments.job, arguments.command);
    } catch (const std::exception& error) {
        // Nobody sees our stderr (it is /dev/null): liveness will report the
        // job as "worker lost" once this process is gone.
        std::fprintf(stderr, "jobctl-worker: %s\n", error.what());
        return 1;
    }
}
