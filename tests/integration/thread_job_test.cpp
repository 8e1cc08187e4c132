// Thread jobs: run in this process, visible to (and stoppable from) others.

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cereal/types/string.hpp>
#include <future>
#include <set>

#include "jobctl/thread_job_host.hpp"
#include "jobctl_test.hpp"
#include "sanitizer_build.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

using ThreadJobs = JobctlTest;

struct Digest {
    std::string file;
    int size = 0;
    template <class Archive>
    void serialize(Archive& archive) {
        archive(CEREAL_NVP(file), CEREAL_NVP(size));
    }
    bool operator==(const Digest&) const = default;
};

// Blocks the calling job until its stop is requested (no timing involved).
void wait_for_stop(JobContext& context) {
    pollfd fd{context.stop_event_fd(), POLLIN, 0};
    while (!context.stop_requested()) ::poll(&fd, 1, -1);
}

TEST_F(ThreadJobs, VisibleToOtherProcessesAndReceivable) {
    ThreadJobHost host(repository(), {.throttle_limit = 2});
    std::promise<void> release;
    auto released = release.get_future().share();
    Job job = host.start("checksum", [released](JobContext& context) {
        context.out() << "hashing" << std::endl;
        context.write_result(Digest{"a.txt", 3});
        context.err() << "slow disk\n";
        released.wait();
    });
    wait_for(job.id(), [](const JobInfo& info) { return info.output_bytes > 0; });
    CliResult listed = jobctl({"get", "checksum", "--json"});
    EXPECT_NE(listed.out.find("\"type\": \"thread\""), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("\"state\": \"Running\""), std::string::npos) << listed.out;
    EXPECT_NE(listed.out.find("\"owner_pid\": " + std::to_string(::getpid())), std::string::npos);
    release.set_value();
    EXPECT_EQ(jobctl({"wait", "checksum", "--timeout", "30"}).exit_code, 0);
    CliResult received = jobctl({"receive", "checksum"});
    EXPECT_EQ(received.out, "hashing\n{\"result\": {\"file\": \"a.txt\",\"size\": 3}}\n");
    EXPECT_EQ(received.err, "slow disk\n");
    EXPECT_EQ(jobctl({"remove", "checksum"}).exit_code, 0);
    EXPECT_FALSE(repository().find(job.id()));
}

TEST_F(ThreadJobs, ResultsRoundTripThroughReceive) {
    ThreadJobHost host(repository());
    Job job = host.start("digests", [](JobContext& context) {
        for (int i = 0; i < 3; ++i) context.write_result(Digest{"f" + std::to_string(i), i});
    });
    job.wait();
    EXPECT_EQ(job.info().state, JobState::completed);
    EXPECT_EQ(job.receive<Digest>(true), (std::vector<Digest>{{"f0", 0}, {"f1", 1}, {"f2", 2}}));
    EXPECT_TRUE(job.info().has_more_data());  // kept
    EXPECT_EQ(job.receive<Digest>().size(), 3u);
    EXPECT_TRUE(job.receive<Digest>().empty());  // received already
}

TEST_F(ThreadJobs, StopFromAnotherProcessIsCooperative) {
    ThreadJobHost host(repository());
    Job job = host.start("loop", [](JobContext& context) { wait_for_stop(context); });
    wait_until_running(job.id());
    CliResult stopped = jobctl({"stop", std::to_string(job.id()), "--timeout", "30"});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(job.info().state, JobState::stopped);
}

TEST_F(ThreadJobs, JobIgnoringStopStaysStoppingAndTheCliSaysSo) {
    ThreadJobHost host(repository());
    std::promise<void> release;
    auto released = release.get_future().share();
    Job job = host.start("stubborn", [released](JobContext&) { released.wait(); });
    wait_until_running(job.id());
    CliResult stop = jobctl({"stop", "stubborn", "--timeout", "0.2"});
    EXPECT_EQ(stop.exit_code, 5);
    EXPECT_NE(stop.err.find("Stopping"), std::string::npos) << stop.err;
    EXPECT_EQ(job.info().state, JobState::stopping);
    release.set_value();
    job.wait();
    EXPECT_EQ(job.info().state, JobState::stopped);
}

TEST_F(ThreadJobs, ThrottleLimitHoldsAndJobsStartInSubmissionOrder) {
    constexpr std::size_t kJobs = 6;
    ThreadJobHost host(repository(), {.throttle_limit = 2});
    std::vector<std::promise<void>> releases(kJobs);
    std::vector<JobId> ids;
    for (std::size_t i = 0; i < kJobs; ++i)
        ids.push_back(
            host.start("", [released = releases[i].get_future().share()](JobContext&) { released.wait(); })
                .id());
    // Release the jobs one by one: each time, the two running are the two
    // earliest unfinished ones, and all later ones still wait NotStarted.
    for (std::size_t done = 0; done < kJobs; ++done) {
        std::size_t expected_running = std::min<std::size_t>(2, kJobs - done);
        auto jobs = wait_until(
            repository(), ids,
            [&](const std::vector<JobInfo>& copies) {
                return static_cast<std::size_t>(std::ranges::count(copies, JobState::running,
                                                                   &JobInfo::state)) == expected_running;
            },
            deadline_after(std::chrono::seconds(20)));
        ASSERT_TRUE(jobs) << "after " << done << " released";
        for (std::size_t i = 0; i < kJobs; ++i) {
            JobState expected = i < done                      ? JobState::completed
                                : i < done + expected_running ? JobState::running
                                                              : JobState::not_started;
            EXPECT_EQ((*jobs)[i].state, expected) << "job " << i << " after " << done << " released";
        }
        releases[done].set_value();
        wait_until_finished(ids[done]);
    }
}

TEST_F(ThreadJobs, ThrowingJobFailsWithTheMessageAndTheHostGoesOn) {
    ThreadJobHost host(repository(), {.throttle_limit = 1});
    Job bad = host.start("bad", [](JobContext&) { throw std::runtime_error("disk on fire"); });
    Job good = host.start("good", [](JobContext& context) { context.out() << "fine\n"; });
    bad.wait();
    good.wait();
    EXPECT_EQ(bad.info().state, JobState::failed);
    EXPECT_EQ(bad.info().reason, "disk on fire");
    EXPECT_EQ(good.info().state, JobState::completed);
    EXPECT_EQ(jobctl({"wait", "bad"}).exit_code, 1);
}

TEST_F(ThreadJobs, NoFileForAJobWithoutOutput) {
    ThreadJobHost host(repository());
    Job job = host.start("quiet", [](JobContext&) {});
    job.wait();
    EXPECT_FALSE(job.info().has_more_data());
    EXPECT_FALSE(std::filesystem::exists(detail::table_of(repository()).job_directory(job.id())));
}

TEST_F(ThreadJobs, DestructorStopsRunningAndQueuedJobs) {
    std::optional<Job> running, queued;
    {
        ThreadJobHost host(repository(), {.throttle_limit = 1});
        running = host.start("running", [](JobContext& context) { wait_for_stop(context); });
        queued = host.start("queued", [](JobContext&) {});
        wait_until_running(running->id());
    }
    EXPECT_EQ(running->info().state, JobState::stopped);
    EXPECT_EQ(queued->info().state, JobState::stopped);
    EXPECT_EQ(queued->info().reason, "host shut down before it started");
}

TEST_F(ThreadJobs, KilledHostLeavesItsJobsFailedHostLost) {
    JobId bystander = start({"echo", "intact"});
    wait_until_finished(bystander);
    int ready[2];
    ASSERT_EQ(::pipe(ready), 0);
    pid_t host_process = ::fork();
    if (host_process == 0) {
        auto repo = Repository::open(repository_name());
        ThreadJobHost host(repo, {.throttle_limit = 1});
        host.start("blocked", [](JobContext& context) { wait_for_stop(context); });
        host.start("waiting", [](JobContext&) {});
        char byte = 1;
        [[maybe_unused]] ssize_t ignored = ::write(ready[1], &byte, 1);
        ::pause();  // until killed
        ::_exit(0);
    }
    ::close(ready[1]);
    char byte;
    ASSERT_EQ(::read(ready[0], &byte, 1), 1);
    ::close(ready[0]);
    ::kill(host_process, SIGKILL);
    ::waitpid(host_process, nullptr, 0);
    CliResult listed = jobctl({"get", "--json"});
    EXPECT_EQ(listed.exit_code, 0);
    for (const JobInfo& job : repository().list()) {
        if (job.id == bystander) {
            EXPECT_EQ(job.state, JobState::completed);
        } else {
            EXPECT_EQ(job.state, JobState::failed) << job.name;
            EXPECT_EQ(job.reason, "host lost") << job.name;
        }
    }
}

TEST_F(ThreadJobs, StressThousandsOfJobsWhileAnotherProcessLists) {
    constexpr int kJobs = stress_count(3000);
    CliProcess lister({"sh", "-c", "for i in $(seq 40); do jobctl get --json > /dev/null || exit 1; done"});
    std::vector<Job> jobs;
    {
        ThreadJobHost host(repository(), {.throttle_limit = 4});
        for (int i = 0; i < kJobs; ++i)
            jobs.push_back(host.start("", [i](JobContext& context) {
                context.write_result(Digest{"n", i});
            }));
        for (const Job& job : jobs) job.wait();
    }
    EXPECT_EQ(lister.finish().exit_code, 0);
    std::set<JobId> ids;
    for (int i = 0; i < kJobs; ++i) {
        EXPECT_TRUE(ids.insert(jobs[i].id()).second);
        ASSERT_EQ(jobs[i].info().state, JobState::completed);
        auto results = jobs[i].receive<Digest>();
        ASSERT_EQ(results.size(), 1u);
        EXPECT_EQ(results[0].size, i);
    }
}

}  // namespace
}  // namespace jobctl::test
