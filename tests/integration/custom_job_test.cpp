// A custom job type from outside the library (lib/examples/countdown_job.cpp,
// type "countdown"), driven with the command line's get, wait, receive, stop,
// suspend and resume as a user would.

#include "jobctl/custom_job.hpp"

#include <signal.h>

#include "jobctl/error.hpp"
#include "jobctl/job_events.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

class CustomJobs : public JobctlTest {
protected:
    // Starts the example program and returns its job once registered.
    JobInfo start_countdown(const std::string& name, int steps, int step_ms) {
        JobEventStream events(repository());
        program_.emplace(std::vector<std::string>{bin_dir() + "/jobctl-example-countdown", name,
                                                  std::to_string(steps), std::to_string(step_ms)});
        Deadline deadline = deadline_after(std::chrono::seconds(20));
        for (;;) {
            for (const JobEvent& event : events.next(deadline))
                if (event.job.name == name) return event.job;
            if (std::chrono::steady_clock::now() >= *deadline) {
                ADD_FAILURE() << "the countdown job was never registered";
                return {};
            }
        }
    }

    CliResult finish_program() { return program_->finish(); }

    std::optional<CliProcess> program_;
};

TEST_F(CustomJobs, GetWaitAndReceiveWorkOnAJobTypeOfAProgram) {
    JobInfo job = start_countdown("countdown", 3, 20);
    ASSERT_EQ(job.type, JobType::custom);
    EXPECT_EQ(job.type_name, "countdown");

    CliResult waited = jobctl({"wait", "--timeout", "20", "countdown"});
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
    CliResult received = jobctl({"receive", "countdown"});
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_EQ(received.out, "3\n2\n1\n");
    CliResult listed = jobctl({"get", std::to_string(job.id)});
    EXPECT_NE(listed.out.find("countdown  Completed"), std::string::npos) << listed.out;
    CliResult json = jobctl({"get", "--json", std::to_string(job.id)});
    EXPECT_NE(json.out.find("\"type\": \"countdown\""), std::string::npos) << json.out;
    EXPECT_EQ(finish_program().exit_code, 0);
}

TEST_F(CustomJobs, StopReachesTheProgramThatRunsTheJob) {
    JobInfo job = start_countdown("long", 100000, 50);
    wait_for(job.id, [](const JobInfo& j) { return j.output_bytes > 0; });

    CliResult stopped = jobctl({"stop", "long"});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    JobInfo after = wait_until_finished(job.id);
    EXPECT_EQ(after.state, JobState::stopped);
    EXPECT_NE(after.reason.find("to go"), std::string::npos) << after.reason;
    EXPECT_EQ(jobctl({"wait", "long"}).exit_code, 1);
    EXPECT_EQ(finish_program().exit_code, 0);
}

TEST_F(CustomJobs, SuspendAndResumeReachTheProgram) {
    JobInfo job = start_countdown("held", 100000, 20);
    wait_until_running(job.id);
    CliResult suspended = jobctl({"suspend", "--timeout", "20s", "held"});
    EXPECT_EQ(suspended.exit_code, 0) << suspended.err;
    EXPECT_EQ(repository().find(job.id)->state, JobState::suspended);
    EXPECT_EQ(jobctl({"resume", "held"}).exit_code, 0);
    wait_for(job.id, [](const JobInfo& j) { return j.state == JobState::running && !j.suspend_requested; });
    EXPECT_EQ(jobctl({"stop", "held"}).exit_code, 0);
    EXPECT_EQ(finish_program().exit_code, 0);
}

TEST_F(CustomJobs, AJobWhoseProgramDiedIsHostLost) {
    JobInfo job = start_countdown("orphan", 100000, 50);
    wait_until_running(job.id);
    ASSERT_EQ(::kill(program_->pid(), SIGKILL), 0);
    finish_program();
    CliResult listed = jobctl({"get", "orphan"});
    EXPECT_NE(listed.out.find("Failed"), std::string::npos) << listed.out;
    EXPECT_EQ(repository().find(job.id)->reason, "host lost");
}

TEST_F(CustomJobs, ABadTypeNameIsRefusedAndNothingRegistered) {
    EXPECT_THROW(CustomJob::add(repository(), {.type = "Bad Type"}), Error);
    EXPECT_THROW(CustomJob::add(repository(), {.type = "thread"}), Error);
    EXPECT_TRUE(repository().list().empty());
}

}  // namespace
}  // namespace jobctl::test
