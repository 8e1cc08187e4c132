// The Slurm client layer against a real cluster (scripts/slurm-local.sh
// start, as root): submit, follow, fail, refuse, cancel, suspend. Skipped
// when `scontrol ping` does not say the controller is UP. Every wait polls
// Slurm with a deadline; the jobs each test submitted are cancelled at its end.

#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <thread>

#include "cli_runner.hpp"
#include "jobctl/error.hpp"
#include "slurm/batch_script.hpp"
#include "slurm/sbatch_submit.hpp"
#include "slurm/scontrol_line.hpp"
#include "slurm/slurm_command.hpp"
#include "slurm/slurm_control.hpp"
#include "slurm/slurm_job_id.hpp"
#include "slurm/slurm_job_record.hpp"
#include "slurm/slurm_state.hpp"

namespace jobctl {
namespace {

using namespace std::chrono_literals;
using detail::SlurmJobRecord;
using detail::SlurmStatus;
using jobctl::SlurmOptions;

// Generous: the cluster's two CPUs may be busy with other jobs, and the
// first scheduling pass after a slurmctld restart comes ~3 s late.
constexpr auto kDeadline = 180s;
constexpr auto kPollEvery = 100ms;

// Why the cluster cannot be used, or empty.
std::string cluster_unavailable() {
    try {
        auto ping = detail::run_slurm_command({"scontrol", "ping"}, {.deadline = 20s});
        if (ping.out.find("is UP") != std::string::npos) return {};
        return "the Slurm controller is not UP (scontrol ping: " + ping.out.substr(0, ping.out.find('\n')) +
               "); as root, scripts/slurm-local.sh start brings one up";
    } catch (const Error& error) {
        return error.what();
    }
}

std::string read_file(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

class SlurmLive : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why = cluster_unavailable();
        if (!why.empty()) GTEST_SKIP() << why;
        char pattern[] = "/tmp/jobctl-slurm-test-XXXXXX";
        directory_ = ::mkdtemp(pattern);
        directory_ /= "a dir";  // the job's folder and files need quoting
        std::filesystem::create_directory(directory_);
    }
    void TearDown() override {
        for (const std::string& id : submitted_) {
            try {
                detail::cancel_job(id);
            } catch (const Error&) {  // nothing more to do about it here
            }
        }
        if (!directory_.empty()) std::filesystem::remove_all(directory_.parent_path());
    }

    detail::Submission submission(std::string script) {
        return {"jobctl-test",
                (directory_ / "out").string(),
                (directory_ / "err").string(),
                directory_.string(),
                "",
                std::nullopt,
                std::move(script)};
    }

    std::string submit(const std::vector<std::string>& argv, const SlurmOptions& options = {}) {
        std::string script = detail::batch_script({argv, {"JOBCTL_TEST=1"}, status_file().string()});
        std::string id = detail::submit_batch(options, submission(script));
        submitted_.push_back(id);
        return id;
    }

    std::filesystem::path status_file() const { return directory_ / "status"; }

    // Polls `scontrol show job` until `done` holds for every record of the job.
    std::vector<SlurmJobRecord> wait_for(const std::string& id,
                                         const std::function<bool(const SlurmJobRecord&)>& done) {
        auto deadline = std::chrono::steady_clock::now() + kDeadline;
        std::vector<SlurmJobRecord> records;
        while (std::chrono::steady_clock::now() < deadline) {
            auto answer = detail::query_job(id);
            if (!answer) ADD_FAILURE() << "Slurm forgot job " << id;
            if (!answer) return {};
            records = *answer;
            if (std::all_of(records.begin(), records.end(), done)) return records;
            std::this_thread::sleep_for(kPollEvery);
        }
        ADD_FAILURE() << "job " << id << " still " << (records.empty() ? "?" : records.front().state);
        return records;
    }

    SlurmJobRecord wait_for_end(const std::string& id) {
        auto records =
            wait_for(id, [](const SlurmJobRecord& record) { return map_slurm_state(record).terminal; });
        return records.empty() ? SlurmJobRecord{} : records.front();
    }

    void wait_for_state(const std::string& id, const std::string& state) {
        wait_for(id, [&](const SlurmJobRecord& record) { return record.state == state; });
    }

    std::filesystem::path directory_;
    std::vector<std::string> submitted_;
};

TEST_F(SlurmLive, TrueRunsToCompleted) {
    std::string id = submit({"true"});
    EXPECT_TRUE(detail::is_slurm_job_id(id)) << id;
    SlurmStatus status = map_slurm_state(wait_for_end(id));
    EXPECT_EQ(status.state, JobState::completed);
    EXPECT_EQ(status.exit_code, 0);
    EXPECT_TRUE(read_file(status_file()).starts_with("0 ")) << read_file(status_file());  // "0 NODE"
}

TEST_F(SlurmLive, ArgvAndEnvironmentArriveExactly) {
    std::vector<std::string> words{
        "it's", "two  spaces", "$HOME", "back\\slash", "new\nline", "", "#SBATCH --job-name=evil"};
    std::vector<std::string> argv{"sh", "-c", "printf '[%s]\\n' \"$@\" \"$JOBCTL_TEST\"", "sh"};
    argv.insert(argv.end(), words.begin(), words.end());
    std::string id = submit(argv);
    EXPECT_EQ(map_slurm_state(wait_for_end(id)).state, JobState::completed);
    std::string expected;
    for (const std::string& word : words) expected += "[" + word + "]\n";
    EXPECT_EQ(read_file(directory_ / "out"), expected + "[1]\n");
    // A word that looks like an #SBATCH line is not read as one.
    auto line = detail::run_slurm_command({"scontrol", "show", "job", "-o", id});
    EXPECT_EQ(detail::parse_scontrol_line(line.out)["JobName"], "jobctl-test");
}

TEST_F(SlurmLive, NonZeroExitIsFailedWithItsCode) {
    std::string id = submit({"sh", "-c", "exit 3"});
    SlurmStatus status = map_slurm_state(wait_for_end(id));
    EXPECT_EQ(status.state, JobState::failed);
    EXPECT_EQ(status.reason, "slurm: FAILED, exited with code 3");
    EXPECT_EQ(status.exit_code, 3);
    EXPECT_TRUE(read_file(status_file()).starts_with("3 ")) << read_file(status_file());
}

TEST_F(SlurmLive, BadPartitionIsSlurmsOneLine) {
    SlurmOptions options;
    options.partition = "jobctl-no-such-partition";
    try {
        submit({"true"}, options);
        FAIL() << "submitted";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::cluster);
        EXPECT_STREQ(error.what(), "sbatch: invalid partition specified: jobctl-no-such-partition");
    }
}

TEST_F(SlurmLive, CancelEndsARunningJobStopped) {
    std::string id = submit({"sleep", "300"});
    wait_for_state(id, "RUNNING");
    detail::cancel_job(id);
    SlurmStatus status = map_slurm_state(wait_for_end(id));
    EXPECT_EQ(status.state, JobState::stopped);
    EXPECT_EQ(status.reason, "slurm: CANCELLED");
    // Nothing left to cancel is no error, with or without a signal.
    EXPECT_NO_THROW(detail::cancel_job(id));
    EXPECT_NO_THROW(detail::cancel_job(id, SIGTERM));
    EXPECT_NO_THROW(detail::cancel_job("67000000"));
}

// --full: the signal reaches the command, and the script's shell survives
// it to write the command's status.
TEST_F(SlurmLive, CancelWithASignalReachesTheCommand) {
    std::string id = submit({"sh", "-c", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"});
    wait_for_state(id, "RUNNING");
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (read_file(directory_ / "out").empty() && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(kPollEvery);  // its trap is set
    detail::cancel_job(id, SIGTERM);
    SlurmStatus status = map_slurm_state(wait_for_end(id));
    EXPECT_EQ(status.state, JobState::failed);
    EXPECT_EQ(status.exit_code, 7);
    EXPECT_TRUE(read_file(status_file()).starts_with("7 ")) << read_file(status_file());
}

TEST_F(SlurmLive, SuspendAndResume) {
    std::string id = submit({"sleep", "300"});
    wait_for_state(id, "RUNNING");
    detail::suspend_job(id);
    wait_for_state(id, "SUSPENDED");
    detail::resume_job(id);
    wait_for_state(id, "RUNNING");
}

TEST_F(SlurmLive, SuspendingAPendingJobIsSlurmsRefusal) {
    SlurmOptions options;
    options.extra_args = {"--hold"};
    std::string id = submit({"true"}, options);
    try {
        detail::suspend_job(id);
        FAIL() << "suspended";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::cluster);
        EXPECT_EQ(std::string(error.what()), "scontrol: Job is pending execution for job " + id);
    }
}

TEST_F(SlurmLive, UnknownJobIsNone) {
    EXPECT_EQ(detail::query_job("67000000"), std::nullopt);
    EXPECT_THROW(detail::query_job("-h"), Error);
}

TEST_F(SlurmLive, ArrayTasksRunTheirOwnCommands) {
    std::vector<std::vector<std::string>> tasks{
        {"sh", "-c", "exit 0"}, {"sh", "-c", "exit 1"}, {"sh", "-c", "exit 2"}};
    std::string pattern = (directory_ / "status.%a").string();
    auto array = submission(detail::array_batch_script(tasks, {}, pattern));
    array.array = "0-2%2";
    array.output_path = (directory_ / "out.%a").string();
    std::string id = detail::submit_batch({}, array);
    submitted_.push_back(id);
    auto records = wait_for(id, [](const SlurmJobRecord& record) {
        return record.array_tasks.size() == 1 && map_slurm_state(record).terminal;
    });
    ASSERT_EQ(records.size(), 3u);
    for (const SlurmJobRecord& record : records) {
        std::uint32_t task = record.array_tasks.front();
        EXPECT_EQ(record.job_id, id + "_" + std::to_string(task));
        EXPECT_EQ(record.exit_code, static_cast<int>(task));
        // "STATUS NODE": each task exits with its own number.
        EXPECT_TRUE(read_file(directory_ / ("status." + std::to_string(task)))
                        .starts_with(std::to_string(task) + " "));
    }
}

// Without slurmdbd (this cluster) sacct says accounting is disabled: none.
// With JobCompType=jobcomp/filetxt, its completion log has the job.
TEST_F(SlurmLive, AccountingOfAnEndedJob) {
    std::string id = submit({"sh", "-c", "exit 4"});
    wait_for_end(id);
    EXPECT_NO_THROW(detail::query_accounting(id));
    auto config = detail::run_slurm_command({"scontrol", "show", "config"});
    if (config.out.find("jobcomp/filetxt") == std::string::npos) GTEST_SKIP() << "no job completion log";
    std::optional<std::vector<SlurmJobRecord>> logged;
    auto deadline = std::chrono::steady_clock::now() + kDeadline;
    while (!(logged = detail::query_accounting(id, detail::AccountingSource::completion_log)) &&
           std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(kPollEvery);
    ASSERT_TRUE(logged);
    ASSERT_EQ(logged->size(), 1u);
    EXPECT_EQ(logged->front().job_id, id);
    EXPECT_EQ(logged->front().state, "FAILED");
    EXPECT_EQ(logged->front().exit_code, 4);
}

// Counted, not timed: an `scontrol` shim first on PATH notes every call.
TEST_F(SlurmLive, ClusterNameIsAskedOnce) {
    std::string real = test::shell("command -v scontrol").out;
    real = real.substr(0, real.find('\n'));
    ASSERT_FALSE(real.empty());
    std::filesystem::path shims = directory_ / "shims", calls = directory_ / "calls";
    std::filesystem::create_directory(shims);
    {
        std::ofstream shim(shims / "scontrol");
        shim << "#!/bin/sh\necho \"$*\" >> '" << calls.string() << "'\nexec '" << real << "' \"$@\"\n";
    }
    std::filesystem::permissions(shims / "scontrol", std::filesystem::perms::owner_all);
    std::string path = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
    ::setenv("PATH", (shims.string() + ":" + path).c_str(), 1);
    auto calls_so_far = [&] { return test::lines_of(read_file(calls)).size(); };
    std::string name = detail::cluster_name();
    std::size_t first = calls_so_far();  // 0 when an earlier test in this process asked already
    std::string again = detail::cluster_name();
    std::size_t second = calls_so_far();
    ::setenv("PATH", path.c_str(), 1);
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(again, name);
    EXPECT_LE(first, 1u) << read_file(calls);
    EXPECT_EQ(second, first) << "asked the controller again: " << read_file(calls);
}

}  // namespace
}  // namespace jobctl
