// --mem, --cpus and --max-procs on this machine: the limits of the job's
// cgroup (memory.max, cpu.max, pids.max). Where no cgroup with the
// controller can be had, refused before anything is registered, with one
// line that says what is missing; never approximated. The tests that need
// the controllers skip themselves, with the reason, where they are not.

#include <string>
#include <vector>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "system/job_cgroup.hpp"

namespace jobctl::test {
namespace {

class Limits : public JobctlTest {
protected:
    void TearDown() override {
        ::unsetenv("JOBCTL_CONTAINMENT");
        JobctlTest::TearDown();
    }

    // Refused in one line, exit 2, nothing registered.
    void expect_refused(const std::vector<std::string>& args, const std::string& reason) {
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 2) << result.out << result.err;
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
        EXPECT_NE(result.err.find(reason), std::string::npos) << result.err;
        EXPECT_TRUE(list_jobs(repository()).empty()) << "a refused " << args[0] << " registered a job";
    }

    static std::string missing(const detail::CgroupLimits& limits) {
        return detail::limits_unavailable(limits);
    }
};

TEST_F(Limits, EachIsRefusedWithTheReasonWhereNoCgroupCanHoldIt) {
    struct Case {
        std::vector<std::string> option;
        detail::CgroupLimits limits;
    };
    std::vector<Case> cases{{{"--mem", "512M"}, {}}, {{"--cpus", "1"}, {}}, {{"--max-procs", "10"}, {}}};
    cases[0].limits.memory_bytes = 512u << 20;
    cases[1].limits.cpu_micros_per_second = 1'000'000;
    cases[2].limits.processes = 10;
    int refused = 0;
    for (const Case& each : cases) {
        std::string reason = missing(each.limits);
        if (reason.empty()) continue;  // this system can hold it: the tests below
        for (std::string verb : {"start", "run", "foreach"}) {
            std::vector<std::string> args{verb};
            args.insert(args.end(), each.option.begin(), each.option.end());
            args.insert(args.end(), {"--", "true"});
            if (verb == "foreach") args.insert(args.end(), {":::", "a"});
            expect_refused(args, reason);
            ++refused;
        }
        std::vector<std::string> schedule{"schedule", "add", "limited", "--every", "15m"};
        schedule.insert(schedule.end(), each.option.begin(), each.option.end());
        schedule.insert(schedule.end(), {"--", "true"});
        expect_refused(schedule, reason);
        EXPECT_EQ(jobctl({"schedule", "list"}).out, "") << "a refused schedule add kept its schedule";
    }
    if (refused == 0) GTEST_SKIP() << "every controller is there for jobctl: nothing to refuse";
}

TEST_F(Limits, SessionContainmentHoldsNone) {
    ::setenv("JOBCTL_CONTAINMENT", "session", 1);
    expect_refused({"start", "--mem", "1G", "--", "true"}, "JOBCTL_CONTAINMENT=session");
}

// JOBCTL_CONTAINMENT: 'cgroup' (a cgroup or a refusal) or 'session';
// anything else is refused.
TEST_F(Limits, AContainmentChoiceOfNeitherKindIsRefused) {
    bool cgroup_here = detail::cgroups_available();
    ::setenv("JOBCTL_CONTAINMENT", "SESSION", 1);
    expect_refused({"start", "--", "true"}, "JOBCTL_CONTAINMENT=SESSION: neither 'cgroup' nor 'session'");
    ::setenv("JOBCTL_CONTAINMENT", "cgroup", 1);
    if (!cgroup_here) {
        expect_refused({"start", "--", "true"}, "JOBCTL_CONTAINMENT=cgroup, but");
        return;
    }
    JobInfo job = wait_until_finished(start({"true"}));
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_TRUE(job.in_cgroup);
}

TEST_F(Limits, BadValuesAreRefused) {
    expect_refused({"start", "--mem", "12Q", "--", "true"}, "--mem 12Q: not a size");
    expect_refused({"start", "--mem", "100K", "--", "true"}, "at least 1M");
    expect_refused({"start", "--max-procs", "0", "--", "true"}, "at least 1");
    expect_refused({"start", "--cpus", "0", "--", "true"}, "--cpus must be at least 1");
    expect_refused({"start", "--on", "slurm", "--max-procs", "3", "--", "true"}, "not --on slurm");
}

TEST_F(Limits, AJobOverItsMemoryLimitEndsFailedAndSaysSo) {
    detail::CgroupLimits limits;
    limits.memory_bytes = 64u << 20;
    if (std::string why = missing(limits); !why.empty()) GTEST_SKIP() << why;
    JobId id = start_with({"--mem", "64M"}, {"perl", "-e", "my $x = 'a' x (400 * 1024 * 1024); print 1"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "out of memory (limit 64M)");
}

TEST_F(Limits, AProcessLimitHoldsTheForks) {
    detail::CgroupLimits limits;
    limits.processes = 5;
    if (std::string why = missing(limits); !why.empty()) GTEST_SKIP() << why;
    // The sixth background sleep cannot be forked: the shell says so.
    JobId id = start_with({"--max-procs", "5"},
                          {"sh", "-c", "for i in 1 2 3 4 5 6 7 8; do sleep 5 & done 2>&1; kill $(jobs -p)"});
    EXPECT_TRUE(wait_until_finished(id).finished());
    EXPECT_NE(jobctl({"receive", std::to_string(id)}).out.find("fork"), std::string::npos);
}

}  // namespace
}  // namespace jobctl::test
