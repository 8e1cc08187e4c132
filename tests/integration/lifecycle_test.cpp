// A job's life through the real jobctl and its worker, each a separate
// process: start, get (table and JSON), wait, exit codes.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Lifecycle = JobctlTest;

TEST_F(Lifecycle, StartPrintsTheJobAndItCompletes) {
    CliResult started = jobctl({"start", "--name", "hello", "--", "echo", "hi"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    EXPECT_NE(started.out.find("Id"), std::string::npos);
    EXPECT_NE(started.out.find("hello"), std::string::npos);
    auto jobs = repository().list();
    ASSERT_EQ(jobs.size(), 1u);
    JobInfo job = wait_until_finished(jobs[0].id);
    EXPECT_EQ(job.state, JobState::completed);
    EXPECT_EQ(job.exit_code, 0);
    EXPECT_TRUE(job.began && job.ended && job.created);
    EXPECT_TRUE(job.has_more_data());
}

TEST_F(Lifecycle, FailedCommandRecordsExitCodeAndReason) {
    JobInfo job = wait_until_finished(start({"sh", "-c", "exit 3"}));
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    EXPECT_EQ(job.reason, "exited with code 3");
}

TEST_F(Lifecycle, CommandKilledBySignalRecordsIt) {
    JobInfo job = wait_until_finished(start({"sh", "-c", "kill -9 $$"}));
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.term_signal, 9);
    EXPECT_EQ(job.reason, "killed by signal 9 (SIGKILL)");
}

TEST_F(Lifecycle, ExecFailureIsAFailedJobWithTheReason) {
    // Executable, but its interpreter does not exist: only exec can tell.
    std::string script =
        std::filesystem::temp_directory_path() / ("jobctl-noexec-" + std::to_string(::getpid()));
    {
        std::ofstream file(script);
        file << "#!/no/such/interpreter\n";
    }
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    JobInfo job = wait_until_finished(start({script}));
    std::filesystem::remove(script);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "exec failed: No such file or directory");
}

TEST_F(Lifecycle, JobOutlivesTheShellThatStartedIt) {
    CliResult result = shell("jobctl start -q -- sh -c 'echo alive' && exit 0");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    JobId id = static_cast<JobId>(std::stoul(result.out));
    JobInfo job = wait_until_finished(id);  // the shell (and jobctl) are long gone
    EXPECT_EQ(job.state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "alive\n");
}

TEST_F(Lifecycle, WorkerRunsInItsOwnSessionAndCommandInItsOwnGroup) {
    JobId id = start({"sleep", "60"});
    JobInfo job = wait_until_running(id);
    EXPECT_NE(::getsid(job.owner_pid), ::getsid(0));
    EXPECT_EQ(::getpgid(job.process_id), job.process_id);
}

// One line of /proc/PID/status, e.g. "SigBlk", as a number (hex fields).
std::uint64_t status_mask(pid_t pid, const std::string& field) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    for (std::string line; std::getline(status, line);)
        if (line.rfind(field + ":", 0) == 0) return std::stoull(line.substr(field.size() + 1), nullptr, 16);
    ADD_FAILURE() << "no " << field << " for " << pid;
    return 0;
}

std::uint64_t bit(int signal) {
    return std::uint64_t{1} << (signal - 1);
}

// `jobctl start` forks its worker without exec: it must still start as an
// exec'd one would, whatever state the caller was in.
TEST_F(Lifecycle, WorkerStartsWithDefaultSignalsItsOwnBlockedAndNoInheritedDescriptor) {
    std::string marker = home() + "/inherited";
    std::ofstream(marker) << "x";
    CliResult result =
        shell("trap '' USR1 USR2 TERM HUP INT PIPE; exec 7<'" + marker + "'; jobctl start -q -- sleep 60");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    JobInfo job = wait_until_running(static_cast<JobId>(std::stoul(result.out)));
    pid_t worker = job.owner_pid;
    EXPECT_EQ(::getsid(worker), worker);  // a session of its own
    std::ifstream comm("/proc/" + std::to_string(worker) + "/comm");
    std::string name;
    std::getline(comm, name);
    EXPECT_EQ(name, "jobctl-worker");
    std::uint64_t worker_signals = bit(SIGHUP) | bit(SIGINT) | bit(SIGTERM) | bit(SIGUSR1) | bit(SIGUSR2);
    EXPECT_EQ(status_mask(worker, "SigIgn") & (worker_signals | bit(SIGPIPE)), 0u);
    EXPECT_EQ(status_mask(worker, "SigBlk") & worker_signals, worker_signals);  // read from signalfds
    EXPECT_EQ(status_mask(job.process_id, "SigIgn"), 0u);
    EXPECT_EQ(status_mask(job.process_id, "SigBlk"), 0u);
    std::string fd_folder = "/proc/" + std::to_string(worker) + "/fd";
    for (const auto& entry : std::filesystem::directory_iterator(fd_folder)) {
        std::string target = std::filesystem::read_symlink(entry.path()).string();
        EXPECT_NE(target, marker) << "the caller's descriptor " << entry.path().filename() << " was kept";
        int fd = std::stoi(entry.path().filename().string());
        if (fd <= 2) {
            EXPECT_EQ(target, "/dev/null") << fd;
        }
    }
}

TEST_F(Lifecycle, GetShowsTableWithEveryColumn) {
    JobId id = start({"true"}, "listed");
    wait_until_finished(id);
    CliResult result = jobctl({"get"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    for (const char* column : {"Id", "Name", "Type", "State", "HasMoreData", "Location", "Command"})
        EXPECT_NE(result.out.find(column), std::string::npos) << column;
    EXPECT_NE(result.out.find("listed"), std::string::npos);
    EXPECT_NE(result.out.find("Completed"), std::string::npos);
}

TEST_F(Lifecycle, GetJsonIsOneDocumentWithEveryField) {
    wait_until_finished(start({"false"}, "bad"));
    wait_until_finished(start({"true"}, "good"));
    CliResult result = jobctl({"get", "--state", "Failed", "--json"});
    ASSERT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out.find("{"), 0u);
    EXPECT_NE(result.out.find("\"name\": \"bad\""), std::string::npos);
    EXPECT_EQ(result.out.find("\"name\": \"good\""), std::string::npos);
    for (const char* field :
         {"\"id\"", "\"type\"", "\"state\": \"Failed\"", "\"reason\": \"exited with code 1\"", "\"command\"",
          "\"location\"", "\"has_more_data\"", "\"created\"", "\"began\"", "\"ended\"", "\"exit_code\": 1"})
        EXPECT_NE(result.out.find(field), std::string::npos) << field;
}

TEST_F(Lifecycle, StateFilterTakesSeveralStatesAndMixesWithIds) {
    JobId good = start({"true"}, "good");
    JobId bad = start({"false"}, "bad");
    wait_until_finished(good);
    wait_until_finished(bad);
    CliResult both = jobctl({"get", "--state", "Completed,Failed", "--json"});
    EXPECT_NE(both.out.find("\"good\""), std::string::npos);
    EXPECT_NE(both.out.find("\"bad\""), std::string::npos);
    CliResult one = jobctl({"get", "--state", "Failed", std::to_string(good), std::to_string(bad)});
    EXPECT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out.find("good"), std::string::npos);
    EXPECT_NE(one.out.find("bad"), std::string::npos);
}

TEST_F(Lifecycle, WaitExitCodes) {
    JobId good = start({"true"}, "good");
    EXPECT_EQ(jobctl({"wait", "good", "--timeout", "30"}).exit_code, 0);
    JobId bad = start({"false"});
    EXPECT_EQ(jobctl({"wait", std::to_string(bad), "--timeout", "30"}).exit_code, 1);
    EXPECT_EQ(jobctl({"wait", "--all"}).exit_code, 1);  // one of all failed
    EXPECT_EQ(jobctl({"wait", std::to_string(good)}).exit_code, 0);
    EXPECT_EQ(jobctl({"wait", "nosuchjob"}).exit_code, 3);
    JobId slow = start({"sleep", "60"});
    CliResult timed_out = jobctl({"wait", std::to_string(slow), "--timeout", "0.1"});
    EXPECT_EQ(timed_out.exit_code, 4);
    EXPECT_NE(timed_out.err.find("timed out"), std::string::npos);
}

TEST_F(Lifecycle, WaitAnyReturnsWhenTheFirstFinishes) {
    JobId slow = start({"sleep", "60"});
    wait_until_running(slow);  // under load its worker may not have begun it yet
    JobId quick = start({"true"});
    CliResult result =
        jobctl({"wait", "--any", std::to_string(slow), std::to_string(quick), "--timeout", "30"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(repository().find(slow)->state, JobState::running);
}

TEST_F(Lifecycle, ConcurrentWaitersInOtherProcessesAllWake) {
    // The job blocks on a FIFO until the test opens it: no timing involved.
    std::string fifo = home() + "/go";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    JobId id = start({"sh", "-c", "read line < " + fifo + " && test \"$line\" = go"});
    CliProcess first({"jobctl", "wait", std::to_string(id), "--timeout", "30"});
    CliProcess second({"jobctl", "wait", std::to_string(id), "--timeout", "30"});
    // Both asleep before the release: neither can pass by finding the job ended.
    ASSERT_TRUE(asleep_on_the_repository(first.pid())) << "the first waiter never went to sleep";
    ASSERT_TRUE(asleep_on_the_repository(second.pid())) << "the second waiter never went to sleep";
    {
        std::ofstream release(fifo);
        release << "go\n";
    }
    EXPECT_EQ(first.finish().exit_code, 0);
    EXPECT_EQ(second.finish().exit_code, 0);
}

}  // namespace
}  // namespace jobctl::test
