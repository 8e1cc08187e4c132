#pragma once
// The fixture of the Slurm job tests: a repository of their own, a scratch
// folder, and a real Slurm controller (scripts/slurm-local.sh start), or the
// test is skipped, saying why. Teardown cancels whatever is left on the
// cluster.

#include <filesystem>
#include <string>
#include <vector>

#include "jobctl_test.hpp"

namespace jobctl::test {

inline constexpr auto kSlurmTimeout = std::chrono::seconds(120);

inline bool controller_answers(std::string& why) {
    CliResult ping = shell("scontrol ping 2>&1");
    why = ping.out.empty() ? "scontrol not found" : lines_of(ping.out).front();
    return ping.exit_code == 0 && ping.out.find("is UP") != std::string::npos;
}

class SlurmJobs : public JobctlTest {
protected:
    void SetUp() override {
        std::string why;
        if (!controller_answers(why))
            GTEST_SKIP() << "no Slurm controller (" << why << "): run scripts/slurm-local.sh start as root";
        JobctlTest::SetUp();
        scratch_ = std::filesystem::path(home()) / "scratch";
        std::filesystem::create_directories(scratch_);
    }

    void TearDown() override {
        if (scratch_.empty()) return;  // skipped
        // Nothing of the test may stay on the cluster either.
        for (const JobInfo& job : repository().list())
            if (!job.finished() && !job.external_id.empty() && job.parent_id == 0)
                shell("scancel " + job.external_id + " 2>/dev/null");
        for (const JobInfo& job : repository().list())
            if (!job.finished())
                wait_for(
                    job.id, [](const JobInfo& j) { return j.finished(); }, kSlurmTimeout);
        JobctlTest::TearDown();
    }

    // `jobctl start --on slurm -q ARGS... -- COMMAND...`
    JobId submit(const std::vector<std::string>& command, std::vector<std::string> options = {}) {
        std::vector<std::string> args{"start", "--on", "slurm", "-q"};
        args.insert(args.end(), options.begin(), options.end());
        args.push_back("--");
        args.insert(args.end(), command.begin(), command.end());
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.exit_code == 0 ? static_cast<JobId>(std::stoul(result.out)) : 0;
    }

    JobInfo finished(JobId id) {
        return wait_for(
            id, [](const JobInfo& job) { return job.finished(); }, kSlurmTimeout);
    }

    std::string path(const std::string& name) const { return (scratch_ / name).string(); }
    // A command that says "first", then waits for the test to create FILE, then says "second".
    std::vector<std::string> two_part_command(const std::string& file) const {
        return {"sh", "-c", "echo first; while [ ! -e " + file + " ]; do sleep 0.1; done; echo second"};
    }

    std::filesystem::path scratch_;
};

}  // namespace jobctl::test
