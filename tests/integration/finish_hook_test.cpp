// The finish hook (issue 27): `--on-finish CMD` runs once when the job
// ends, however it ends (fails, is stopped, loses its worker), with the
// job's facts in its environment and never in the shell text; a foreach's
// `--on-child-finish` runs for each child; the hook's failure never
// changes the job's outcome. The hooks report to a FIFO the test reads
// with a timeout (they run detached: nothing else says they ran).

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "folder_watch.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

// A FIFO the hooks write one line each to (`echo ... > FIFO`: one write,
// whole), held open by the test for reading and writing so that no writer
// ever blocks on it.
class HookReports {
public:
    explicit HookReports(std::string path) : path_(std::move(path)) {
        ::mkfifo(path_.c_str(), 0600);
        fd_ = ::open(path_.c_str(), O_RDWR | O_NONBLOCK | O_CLOEXEC);
    }
    ~HookReports() {
        ::close(fd_);
        ::unlink(path_.c_str());
    }
    const std::string& path() const { return path_; }

    // The next `count` lines, or those that came within 20 seconds.
    std::vector<std::string> next(std::size_t count) {
        auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
        while (lines_.size() < count && std::chrono::steady_clock::now() < deadline) {
            pollfd ready{fd_, POLLIN, 0};
            ::poll(&ready, 1, 200);
            char buffer[4096];
            ssize_t got = ::read(fd_, buffer, sizeof buffer);
            if (got > 0) pending_.append(buffer, static_cast<std::size_t>(got));
            for (std::size_t end; (end = pending_.find('\n')) != std::string::npos;
                 pending_.erase(0, end + 1))
                lines_.push_back(pending_.substr(0, end));
        }
        std::size_t taken = std::min(count, lines_.size());
        std::vector<std::string> lines(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(taken));
        lines_.erase(lines_.begin(), lines_.begin() + static_cast<std::ptrdiff_t>(taken));
        return lines;
    }

private:
    std::string path_;
    int fd_ = -1;
    std::string pending_;
    std::vector<std::string> lines_;
};

// True once the hook's result file in `folder` says `text`, within 20 s.
bool wait_for_result(const std::filesystem::path& folder, const std::string& text) {
    return wait_in_folder(folder, [&] {
        std::ifstream in(folder / "on-finish.result");
        std::string line;
        return std::getline(in, line) && line == text;
    });
}

class FinishHook : public JobctlTest {
protected:
    void SetUp() override {
        JobctlTest::SetUp();
        reports_ = std::make_unique<HookReports>(home() + "/reports");
    }
    void TearDown() override {
        JobctlTest::TearDown();
        reports_.reset();
    }
    // A hook that reports "WHAT id state exit signal reason" to the FIFO.
    std::string reporting(const std::string& what) {
        return "echo \"" + what +
               " $JOBCTL_JOB_ID $JOBCTL_JOB_STATE [$JOBCTL_JOB_EXIT_CODE] [$JOBCTL_JOB_SIGNAL] "
               "$JOBCTL_JOB_REASON\" > '" +
               reports_->path() + "'";
    }
    // Every hook started before this one has had its turn at least as
    // long: a duplicate would most likely have reported by now.
    void expect_no_more_reports() {
        JobId sentinel = start_with({"--on-finish", reporting("sentinel")}, {"true"});
        std::vector<std::string> next = reports_->next(1);
        ASSERT_EQ(next.size(), 1u);
        EXPECT_EQ(next[0], "sentinel " + std::to_string(sentinel) + " Completed [0] [] ");
    }

    std::unique_ptr<HookReports> reports_;
};

TEST_F(FinishHook, RunsOnceWhenTheJobFailsWithItsFactsInTheEnvironment) {
    JobId id = start_with({"--on-finish", reporting("done") + "; exit 7"}, {"sh", "-c", "exit 3"});
    std::vector<std::string> reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0], "done " + std::to_string(id) + " Failed [3] [] exited with code 3");
    // Its failure is said, and changes nothing of the job's.
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    EXPECT_EQ(job.reason, "exited with code 3");
    std::optional<jobctl::FinishHook> hook = finish_hook_of(repository(), job);
    ASSERT_TRUE(hook);
    EXPECT_TRUE(wait_for_result(hook->log.parent_path(), "exited with code 7"));
    CliResult json = jobctl({"get", std::to_string(id), "--json"});
    EXPECT_NE(json.out.find("\"result\": \"exited with code 7\""), std::string::npos) << json.out;
    expect_no_more_reports();
}

TEST_F(FinishHook, NeverPutsTheJobsTextIntoTheShell) {
    std::string marker = home() + "/pwned";
    JobId id =
        start_with({"--name", "n1", "--on-finish", reporting("r")}, {"sh", "-c", "echo hi; kill -TERM $$"});
    std::vector<std::string> reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0], "r " + std::to_string(id) + " Failed [] [SIGTERM] killed by signal 15 (SIGTERM)");
    // A command whose text holds shell syntax: the reason and name carry it, the hook only reads them.
    JobId tricky = start_with({"--name", "t`touch " + marker + "`", "--on-finish",
                               "echo \"$JOBCTL_JOB_NAME\" > '" + reports_->path() + "'"},
                              {"sh", "-c", "exit 2"});
    reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0], "t`touch " + marker + "`");
    EXPECT_FALSE(std::filesystem::exists(marker));
    (void)tricky;
}

TEST_F(FinishHook, RunsOnceWhenTheJobIsStopped) {
    JobId id = start_with({"--on-finish", reporting("stopped")}, {"sleep", "1000"});
    wait_until_running(id);
    ASSERT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    std::vector<std::string> reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].starts_with("stopped " + std::to_string(id) + " Stopped ")) << reports[0];
    expect_no_more_reports();
}

// The worker is killed: the look that finds the job lost runs the hook,
// once, however many look at once.
TEST_F(FinishHook, RunsOnceWhenItsWorkerIsKilled) {
    JobId id = start_with({"--on-finish", reporting("lost")}, {"sleep", "1000"});
    JobInfo job = wait_until_running(id);
    ::kill(job.owner_pid, SIGKILL);
    ::waitpid(job.owner_pid, nullptr, 0);  // we are its subreaper
    std::vector<std::unique_ptr<CliProcess>> looks;
    for (int i = 0; i < 4; ++i)
        looks.push_back(std::make_unique<CliProcess>(std::vector<std::string>{"jobctl", "get"}));
    for (auto& look : looks) look->finish();
    std::vector<std::string> reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_TRUE(reports[0].starts_with("lost " + std::to_string(id) + " Failed [] [] worker lost"))
        << reports[0];
    expect_no_more_reports();
}

TEST_F(FinishHook, AForeachRunsItsChildHookForEachChildAndItsOwnOnce) {
    CliResult run = jobctl({"foreach", "-j", "2", "--keep-jobs", "--on-finish", reporting("parent"),
                            "--on-child-finish", reporting("child") + " $JOBCTL_JOB_PARENT_ID", "--", "sh",
                            "-c", "exit {}", ":::", "0", "1", "0"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::vector<std::string> reports = reports_->next(4);
    ASSERT_EQ(reports.size(), 4u);
    std::sort(reports.begin(), reports.end());
    std::vector<JobInfo> jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 4u);
    std::string parent = std::to_string(jobs[0].id);
    EXPECT_EQ(reports[0], "child " + std::to_string(jobs[1].id) + " Completed [0] []  " + parent);
    EXPECT_EQ(reports[1],
              "child " + std::to_string(jobs[2].id) + " Failed [1] [] exited with code 1 " + parent);
    EXPECT_EQ(reports[2], "child " + std::to_string(jobs[3].id) + " Completed [0] []  " + parent);
    EXPECT_TRUE(reports[3].starts_with("parent " + parent + " Failed ")) << reports[3];
}

// A hook starts as a new process would (no signal blocked or ignored,
// whatever its runner does with them), and keeps 1M of its output.
TEST_F(FinishHook, StartsWithFreshSignalsAndKeepsAMegabyteOfOutput) {
    JobId id = start_with({"--on-finish",
                           "head -c 3000000 /dev/zero; echo \"$(grep -E 'SigBlk|SigIgn' "
                           "/proc/$$/status | tr -d '\\t\\n')\" > '" +
                               reports_->path() + "'"},
                          {"true"});
    std::vector<std::string> reports = reports_->next(1);
    ASSERT_EQ(reports.size(), 1u);
    EXPECT_EQ(reports[0], "SigBlk:0000000000000000SigIgn:0000000000000000");
    JobInfo job = wait_until_finished(id);
    std::optional<jobctl::FinishHook> hook = finish_hook_of(repository(), job);
    ASSERT_TRUE(hook);
    ASSERT_TRUE(wait_for_result(hook->log.parent_path(), "exited with code 0"));
    EXPECT_LE(std::filesystem::file_size(hook->log), (1u << 20) + 64);
}

TEST_F(FinishHook, BadHooksAreRefusedAndRegisterNothing) {
    for (const char* hook : {"", "   "}) {
        CliResult result = jobctl({"start", "--on-finish", hook, "--", "true"});
        EXPECT_EQ(result.exit_code, 2) << hook;
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
    }
    CliResult slurm = jobctl({"start", "--on", "slurm", "--on-finish", "true", "--", "true"});
    EXPECT_EQ(slurm.exit_code, 2);
    EXPECT_NE(slurm.err.find("--on-finish"), std::string::npos) << slurm.err;
    CliResult foreach = jobctl({"foreach", "--on-child-finish", "", "--", "echo", ":::", "a"});
    EXPECT_EQ(foreach.exit_code, 2);
    EXPECT_TRUE(list_jobs(repository()).empty());
}

}  // namespace
}  // namespace jobctl::test
