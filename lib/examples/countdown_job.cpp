// A custom job type from a C++ program: a countdown, registered as a job of
// type "countdown" that the program runs itself. `jobctl get`, `wait`,
// `receive`, `stop`, `suspend` and `resume` work on it from any shell while
// the program runs, as on any job.
//   jobctl-example-countdown NAME STEPS STEP_MS
// Prints the job's id, then counts STEPS down, a line of output per step.

#include <chrono>
#include <iostream>
#include <jobctl/custom_job.hpp>
#include <string>

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: jobctl-example-countdown NAME STEPS STEP_MS\n";
        return 2;
    }
    int steps = std::stoi(argv[2]);
    std::chrono::milliseconds step(std::stoi(argv[3]));
    auto repo = jobctl::Repository::open();  // JOBCTL_REPOSITORY or the user's default
    jobctl::CustomJob job =
        jobctl::CustomJob::add(repo, {.type = "countdown",
                                      .name = argv[1],
                                      .command = "count down from " + std::string(argv[2]),
                                      .can_suspend = true});
    std::cout << job.id() << std::endl;
    job.set_state(jobctl::JobState::running);
    for (int left = steps; left > 0;) {
        // Sleeping on the job's requests, not on a timer alone: a stop from
        // another shell ends the wait at once.
        switch (job.wait_for_request(step)) {
            case jobctl::ControlRequest::stop:
                job.finish(jobctl::JobState::stopped, "stopped with " + std::to_string(left) + " to go");
                return 0;
            case jobctl::ControlRequest::suspend:
                job.set_state(jobctl::JobState::suspended);
                continue;
            case jobctl::ControlRequest::resume:
                job.set_state(jobctl::JobState::running);
                continue;
            case jobctl::ControlRequest::none:
                if (job.info().state == jobctl::JobState::suspended) continue;  // held until resumed
                job.write(jobctl::OutputStream::out, std::to_string(left--) + "\n");
                job.progress(1.0 - static_cast<double>(left) / steps);
        }
    }
    job.finish(jobctl::JobState::completed);
    return 0;
}
