// jobctl-worker: runs one process job, or follows a repository's Slurm jobs.
// Started by `jobctl start` (through the library), never by hand; its
// arguments: process_jobs/worker_arguments.hpp, or
//   jobctl-worker --follow-slurm --repository NAME
// (slurm/slurm_follower.hpp).

#include <cstdio>
#include <cstring>
#include <exception>
#include <string>

#include "jobctl/repository.hpp"
#include "process_jobs/process_job_runner.hpp"
#include "process_jobs/worker_arguments.hpp"
#include "process_jobs/worker_launch.hpp"
#include "slurm/follower_launch.hpp"
#include "slurm/slurm_follower.hpp"

namespace {

int follow_slurm(int argc, char** argv) {
    // "--job ID" after it, as an earlier jobctl passed it, changes nothing:
    // the follower finds what it is handed.
    bool with_job = argc == 6 && std::strcmp(argv[4], "--job") == 0;
    if ((argc != 4 && !with_job) || std::strcmp(argv[2], "--repository") != 0) {
        std::fprintf(stderr, "usage: %s --follow-slurm --repository NAME\n", argv[0]);
        return 2;
    }
    try {
        auto repository = jobctl::Repository::open(argv[3]);
        return jobctl::detail::follow_slurm_jobs(repository);
    } catch (const std::exception& error) {
        // The jobs go on on the cluster; the next look at them starts a new follower.
        std::fprintf(stderr, "jobctl-worker: %s\n", error.what());
        return 1;
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc > 1 && std::strcmp(argv[1], jobctl::detail::kFollowSlurmFlag) == 0)
        return follow_slurm(argc, argv);
    auto arguments = jobctl::detail::parse_worker_argv(argc, argv);
    if (!arguments) {
        std::fprintf(stderr, "usage: %s\n%s\n", jobctl::detail::kWorkerUsage.data(),
                     jobctl::detail::kWorkerSummary.data());
        return 2;
    }
    if (arguments->job_fd >= 0) {
        auto job = jobctl::detail::read_assigned_job(arguments->job_fd);
        if (!job) return 0;  // the launcher gave up: no job was registered for us
        arguments->job = *job;
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
