// A finished command's resources (issue 24): CPU time and peak memory as
// the kernel counted them (wait4), checked against known work, and shown by
// get --resources and get --json.

#include "fifo_gate.hpp"
#include "jobctl/job_events.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Resources = JobctlTest;
using std::chrono::milliseconds;

// Burns `seconds` of user CPU time (perl's times() counts this process's;
// it is a system call, so asked only every 100,000 turns; no "{}" in it,
// which foreach would take for the input).
std::string burn(double seconds) {
    return "perl -e 'while ((times)[0] < " + std::to_string(seconds) + ") { for (1 .. 100000) { } }'";
}

TEST_F(Resources, ASecondOfCpuIsReportedAsOne) {
    JobId id = start({"sh", "-c", burn(1.0)});
    JobInfo job = wait_until_finished(id);
    ASSERT_EQ(job.state, JobState::completed) << job.reason;
    ASSERT_TRUE(job.resources.has_value());
    EXPECT_GE(job.resources->user_cpu, milliseconds(900));
    EXPECT_LE(job.resources->user_cpu, milliseconds(1100));
    EXPECT_LT(job.resources->system_cpu, milliseconds(500));
    EXPECT_GT(job.resources->peak_rss_bytes, 0u);
}

// A running job held in a cgroup shows the CPU it used so far (get --json,
// get --resources, resources_so_far); elsewhere it shows none until it ends.
TEST_F(Resources, ARunningJobShowsItsCpuSoFarWhereItsCgroupCanTell) {
    FifoGate gate(home() + "/go");
    JobId id = start({"sh", "-c", burn(1.0) + "; echo burnt; " + gate.wait_command()});
    JobInfo job = wait_for(id, [](const JobInfo& now) { return now.output_bytes > 0; });
    std::optional<ResourceUse> so_far = resources_so_far(repository(), job);
    CliResult json = jobctl({"get", std::to_string(id), "--json"});
    gate.release();
    if (!job.in_cgroup) {
        EXPECT_FALSE(so_far.has_value());
        GTEST_SKIP() << "no cgroup for the job here: no CPU so far to show";
    }
    ASSERT_TRUE(so_far.has_value());
    EXPECT_GE(so_far->user_cpu + so_far->system_cpu, milliseconds(900));
    EXPECT_TRUE(so_far->counted_by_cgroup);
    EXPECT_NE(json.out.find("\"measured_by\": \"cgroup\""), std::string::npos) << json.out;
    EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
}

// Processes the command waited for count too: two at a second each.
TEST_F(Resources, TheWholeWaitedForTreeCounts) {
    JobId id = start({"sh", "-c", burn(1.0) + " & " + burn(1.0) + "; wait"});
    JobInfo job = wait_until_finished(id);
    ASSERT_TRUE(job.resources.has_value());
    EXPECT_GE(job.resources->user_cpu, milliseconds(1800));
    EXPECT_LE(job.resources->user_cpu, milliseconds(2200));
}

TEST_F(Resources, TwoHundredMegabytesTouchedArePeakMemory) {
    JobId id = start({"perl", "-e", "my $x = 'a' x (200 * 1024 * 1024); print length($x), qq(\\n)"});
    JobInfo job = wait_until_finished(id);
    ASSERT_EQ(job.state, JobState::completed) << job.reason;
    ASSERT_TRUE(job.resources.has_value());
    EXPECT_GE(job.resources->peak_rss_bytes, 200u * 1024 * 1024);
}

TEST_F(Resources, GetShowsThemAndJsonGivesThemWithTheirSource) {
    JobId id = start({"sh", "-c", burn(0.2)}, "burner");
    wait_until_finished(id);
    CliResult table = jobctl({"get", "--resources", std::to_string(id)});
    ASSERT_EQ(table.exit_code, 0) << table.err;
    EXPECT_EQ(table.out.rfind("Id  Name    State      RunTime  UserCPU  SystemCPU  PeakMemory  Command", 0),
              0u)
        << table.out;
    EXPECT_NE(table.out.find("burner  Completed"), std::string::npos) << table.out;
    CliResult json = jobctl({"get", "--json", std::to_string(id)});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"user_cpu_us\": "), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"peak_rss_bytes\": "), std::string::npos) << json.out;
    bool in_cgroup = repository().find(id)->in_cgroup;
    std::string source = in_cgroup ? "cgroup" : "rusage";
    EXPECT_NE(json.out.find("\"measured_by\": \"" + source + "\""), std::string::npos) << json.out;
    // A job that has not ended: its CPU so far from its cgroup, or "-" where
    // nothing can tell; its peak "-" where the kernel keeps none for it.
    JobId running = start({"sleep", "100"}, "sleeper");
    wait_until_running(running);
    CliResult live = jobctl({"get", "--resources", "sleeper"});
    EXPECT_NE(live.out.find("Running"), std::string::npos) << live.out;
    bool nothing_shown = live.out.find("-        -          -") != std::string::npos;
    EXPECT_EQ(nothing_shown, !in_cgroup) << live.out;
    EXPECT_EQ(jobctl({"get", "--resources", "--json"}).exit_code, 2);  // one or the other
}

// A watcher's event of the ending carries them (watch --json prints the
// event's job with the same JSON as get --json).
TEST_F(Resources, TheEndingEventCarriesThem) {
    FifoGate gate(home() + "/gate");
    JobId id = start({"sh", "-c", gate.wait_command() + "; " + burn(0.1)});
    wait_until_running(id);
    JobEventStream events(repository());
    gate.release();
    std::optional<JobEvent> ending;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!ending && std::chrono::steady_clock::now() < deadline)
        for (const JobEvent& event : events.next(deadline))
            if (event.job.id == id && is_terminal(event.state)) ending = event;
    ASSERT_TRUE(ending.has_value());
    ASSERT_TRUE(ending->job.resources.has_value());
    EXPECT_GE(ending->job.resources->user_cpu, milliseconds(50));
}

// A foreach child is measured by its host as a process job is by its worker.
TEST_F(Resources, ForeachChildrenAreMeasured) {
    CliResult each =
        jobctl({"foreach", "--as-job", "-q", "--", "sh", "-c", burn(0.3), "{}", ":::", "a", "b"});
    ASSERT_EQ(each.exit_code, 0) << each.err;
    JobId parent = static_cast<JobId>(std::stoul(each.out));
    wait_until_finished(parent);
    std::vector<JobInfo> children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 2u);
    for (const JobInfo& child : children) {
        ASSERT_TRUE(child.resources.has_value()) << child.name;
        EXPECT_GE(child.resources->user_cpu, milliseconds(250)) << child.name;
    }
}

}  // namespace
}  // namespace jobctl::test
