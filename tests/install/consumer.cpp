// A program outside the jobctl tree, built against an installed jobctl
// (tests/install/install_test.sh: through find_package and through
// pkg-config). It runs a thread job and a process job in the repository of
// $JOBCTL_HOME and exits non-zero unless both worked and their output came
// back. The process job needs the installed worker: the library finds it
// under the prefix it was installed to (or $JOBCTL_WORKER, or on PATH).

#include <cereal/types/string.hpp>
#include <iostream>
#include <jobctl/jobctl.hpp>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const std::string& what) {
    if (!ok) {
        std::cerr << "consumer: FAILED: " << what << '\n';
        ++failures;
    }
}

void check_completed(const jobctl::Job& job, const std::string& kind) {
    jobctl::JobInfo info = job.info();
    check(info.state == jobctl::JobState::completed,
          kind + " job ended " + std::string(jobctl::to_string(info.state)) + " (" + info.reason + ")");
}

}  // namespace

int main() try {
    auto repository = jobctl::Repository::open();

    {
        jobctl::ThreadJobHost host(repository, {.throttle_limit = 1});
        jobctl::Job job = host.start("consumer-thread", [](jobctl::JobContext& context) {
            context.out() << "hello from a thread job" << std::endl;
            context.write_result(std::string("a result record"));
        });
        job.wait();
        check_completed(job, "thread");
        jobctl::ReceivedOutput output = job.receive_output(/*keep=*/true);
        check(output.out == "hello from a thread job\n", "thread job output: '" + output.out + "'");
        std::vector<std::string> results = job.receive<std::string>();
        check(results == std::vector<std::string>{"a result record"}, "thread job result record");
        jobctl::remove_job(repository, job.id());
    }

    jobctl::JobInfo started =
        jobctl::start_process_job(repository, {"consumer-process", {"echo", "from a process job"}});
    jobctl::Job process(repository, started.id);
    check(process.wait_for(std::chrono::seconds(60)), "process job still unfinished after 60 s");
    check_completed(process, "process");
    std::string text;
    jobctl::receive_output(repository, started.id, {},
                           [&text](jobctl::OutputStream, std::string_view bytes) { text += bytes; });
    check(text == "from a process job\n", "process job output: '" + text + "'");
    jobctl::remove_job(repository, started.id);

    if (failures != 0) return 1;
    std::cout << "consumer: ok" << std::endl;
    return 0;
} catch (const std::exception& error) {
    std::cerr << "consumer: FAILED: " << error.what() << '\n';
    return 1;
}
