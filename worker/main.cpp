// jobctl-worker: runs one process job. Started by `jobctl start` (through
// the library), never by hand; its arguments: process_jobs/worker_arguments.hpp.

#include <cstdio>
#include <exception>

#include "jobctl/repository.hpp"
#include "process_jobs/process_job_runner.hpp"
#include "process_jobs/worker_arguments.hpp"

int main(int argc, char** argv) {
    auto arguments = jobctl::detail::parse_worker_argv(argc, argv);
    if (!arguments) {
        std::fprintf(stderr, "usage: %s\n%s\n", jobctl::detail::kWorkerUsage.data(),
                     jobctl::detail::kWorkerSummary.data());
        return 2;
    }
    try {
        auto repository = jobctl::Repository::open(arguments->repository);
        return jobctl::detail::run_process_job(repository, *arguments);
    } catch (const std::exception& error) {
        // Nobody sees our stderr (it is /dev/null): liveness will report the
        // job as "worker lost" once this process is gone.
        std::fprintf(stderr, "jobctl-worker: %s\n", error.what());
        return 1;
    }
}
