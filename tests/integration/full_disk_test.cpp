// A full disk costs output, not the job: the spool on a small tmpfs (root
// only: the tests skip themselves where they cannot mount one).

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <regex>

#include "jobctl/job_listing.hpp"
#include "jobctl/thread_job_host.hpp"
#include "jobctl_test.hpp"
#include "output/output_log.hpp"
#include "table/job_table.hpp"
#include "table/repository_location.hpp"
#include "tmpfs_mount.hpp"

namespace jobctl::test {
namespace {

constexpr std::size_t kDiskSize = 1 << 20;
constexpr std::size_t kPipeSize = 1 << 20;  // the worker's stdout pipe (command_spawn.cpp)

class FullDisk : public JobctlTest {
protected:
    // The repository's spool folder, where a tmpfs goes: the table stays
    // where it was, on a disk with room (a table page first touched on a
    // full filesystem is a SIGBUS, which is not what these tests are about).
    std::filesystem::path spool() { return detail::locate_repository(repository_name(), true).spool; }

    // How many bytes `reason` says were lost; 0 if it says nothing of it.
    static std::uint64_t lost_bytes_in(const std::string& reason) {
        static const std::regex loss("output truncated: ([0-9]+) bytes lost \\(no space left on device\\)$");
        std::smatch match;
        return std::regex_search(reason, match, loss) ? std::stoull(match[1]) : 0;
    }

    // The log reads back, whole records up to what the slot says is written,
    // and the file holds nothing after them.
    void expect_whole_log(const JobInfo& job) {
        auto directory = detail::table_of(repository()).job_directory(job.id);
        OutputLogReader reader(directory);
        EXPECT_EQ(reader.read(0, job.output_bytes, [](OutputStream, std::string_view) {}), job.output_bytes);
        std::error_code error;
        auto size = std::filesystem::file_size(directory / kOutputLogFileName, error);
        EXPECT_EQ(error ? 0 : size, job.output_bytes);
    }

    static std::string warning(JobId id, std::uint64_t lost) {
        return "jobctl: job " + std::to_string(id) + ": output truncated: " + std::to_string(lost) +
               " bytes lost (no space left on device)\n";
    }
};

#define MOUNT_OR_SKIP(disk)                                           \
    do {                                                              \
        if ((disk).not_permitted()) GTEST_SKIP() << (disk).why_not(); \
        ASSERT_TRUE((disk).mounted()) << (disk).why_not();            \
    } while (false)

TEST_F(FullDisk, TheJobKeepsItsOutcomeAndSaysHowMuchOutputWasLost) {
    TmpfsMount disk(spool(), kDiskSize);
    MOUNT_OR_SKIP(disk);
    constexpr std::uint64_t kWritten = 3000000;
    JobId id = start({"sh", "-c", "head -c " + std::to_string(kWritten) + " /dev/zero; exit 3"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    std::uint64_t lost = lost_bytes_in(job.reason);
    EXPECT_EQ(job.reason, "exited with code 3; output truncated: " + std::to_string(lost) +
                              " bytes lost (no space left on device)");
    EXPECT_GT(lost, kWritten - kDiskSize);
    expect_whole_log(job);

    CliResult json = jobctl({"get", std::to_string(id), "--json"});
    EXPECT_NE(json.out.find("\"reason\": \"" + job.reason + "\""), std::string::npos) << json.out;

    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.exit_code, 0);
    EXPECT_GT(received.out.size(), 0u);
    EXPECT_EQ(received.out.size() + lost, kWritten);
    EXPECT_EQ(received.out.find_first_not_of('\0'), std::string::npos);
    EXPECT_EQ(received.err, warning(id, lost));
}

TEST_F(FullDisk, WritingResumesWhenRoomReturns) {
    // Room, once the filler goes, for what is still in the pipe then.
    TmpfsMount disk(spool(), 4 * kPipeSize);
    MOUNT_OR_SKIP(disk);
    std::string ready = home() + "/ready";
    std::string go = home() + "/go";
    ASSERT_EQ(::mkfifo(ready.c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo(go.c_str(), 0600), 0);
    // Open first, so that neither the job's open nor ours blocks.
    int ready_fd = ::open(ready.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int go_fd = ::open(go.c_str(), O_RDWR | O_CLOEXEC);
    ASSERT_GE(ready_fd, 0);
    ASSERT_GE(go_fd, 0);
    auto filler = disk.fill();

    // More than the pipe holds, so that once `head` is done the worker has
    // dropped most of it; then the job waits for us.
    constexpr std::uint64_t kBefore = 3000000;
    JobId id = start({"sh", "-c",
                      "head -c " + std::to_string(kBefore) + " /dev/zero; echo ready > " + ready +
                          "; read x < " + go + "; echo after"});
    pollfd readable{ready_fd, POLLIN, 0};
    ASSERT_EQ(::poll(&readable, 1, 20000), 1) << "the job never got past its first output";
    std::filesystem::remove(filler);
    ASSERT_EQ(::write(go_fd, "go\n", 3), 3);
    JobInfo job = wait_until_finished(id);
    ::close(go_fd);  // only now: a FIFO's bytes go when its last opener closes it
    ::close(ready_fd);

    EXPECT_EQ(job.state, JobState::completed);
    std::uint64_t lost = lost_bytes_in(job.reason);
    EXPECT_EQ(job.reason,
              "output truncated: " + std::to_string(lost) + " bytes lost (no space left on device)");
    EXPECT_GE(lost, kBefore - kPipeSize);  // at most a pipe's worth was still unread when room returned
    EXPECT_LE(lost, kBefore);
    expect_whole_log(job);
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.out, std::string(kBefore - lost, '\0') + "after\n");
    EXPECT_EQ(received.err, warning(id, lost));
    // Every receive says so, also one with nothing left to print.
    CliResult again = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(again.out, "");
    EXPECT_EQ(again.err, warning(id, lost));
}

TEST_F(FullDisk, ForeachChildrenKeepTheirOutcomes) {
    TmpfsMount disk(spool(), kDiskSize);
    MOUNT_OR_SKIP(disk);
    constexpr std::uint64_t kEach = 1500000;
    CliResult result =
        jobctl({"foreach", "--keep-jobs", "--name", "fan", "-j", "2", "--", "sh", "-c",
                "head -c " + std::to_string(kEach) + " /dev/zero; exit $1", "sh", "{}", ":::", "0", "3"});
    EXPECT_EQ(result.exit_code, 1) << result.err;
    auto jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 3u);
    EXPECT_EQ(jobs[0].state, JobState::failed);
    EXPECT_EQ(jobs[0].reason, "1 of 2 children failed");
    auto children = children_of(jobs, jobs[0].id);
    ASSERT_EQ(children.size(), 2u);
    EXPECT_EQ(children[0].state, JobState::completed);
    EXPECT_EQ(children[0].exit_code, 0);
    EXPECT_EQ(children[1].state, JobState::failed);
    EXPECT_EQ(children[1].exit_code, 3);
    EXPECT_EQ(children[1].reason.rfind("exited with code 3", 0), 0u) << children[1].reason;
    std::uint64_t lost = 0;
    std::string warnings;
    for (const JobInfo& child : children) {
        expect_whole_log(child);
        std::uint64_t child_lost = lost_bytes_in(child.reason);
        if (child_lost > 0) warnings += warning(child.id, child_lost);
        lost += child_lost;
    }
    EXPECT_GT(lost, 2 * kEach - kDiskSize);
    EXPECT_EQ(result.out.size() + lost, 2 * kEach);
    // Each truncation warned of once as the output is printed, then the
    // child that failed named with its whole reason.
    std::string failed =
        "jobctl: job " + std::to_string(children[1].id) + " (fan:2) Failed: " + children[1].reason + "\n";
    EXPECT_EQ(result.err, warnings + failed);
}

TEST_F(FullDisk, AThreadJobKeepsItsOutcome) {
    TmpfsMount disk(spool(), kDiskSize);
    MOUNT_OR_SKIP(disk);
    constexpr std::size_t kWritten = 3000000;
    ThreadJobHost host(repository());
    Job job = host.start("writer", [](JobContext& context) {
        context.out() << std::string(kWritten, 'x') << std::flush;
        context.write_result(std::string("done"));
    });
    JobInfo info = wait_until_finished(job.id());
    EXPECT_EQ(info.state, JobState::completed);
    std::uint64_t lost = lost_bytes_in(info.reason);
    EXPECT_EQ(info.reason,
              "output truncated: " + std::to_string(lost) + " bytes lost (no space left on device)");
    expect_whole_log(info);
    ReceivedOutput received = job.receive_output();
    EXPECT_EQ(received.truncation, info.reason);
    EXPECT_GT(received.out.size(), 0u);
    EXPECT_EQ(received.out.find_first_not_of('x'), std::string::npos);
    // The result record is whole or gone, never cut.
    if (received.results.empty()) {
        EXPECT_GT(received.out.size() + lost, kWritten);
    } else {
        EXPECT_EQ(received.results, std::vector<std::string>{"{\"result\": \"done\"}"});
        EXPECT_EQ(received.out.size() + lost, kWritten);
    }
}

}  // namespace
}  // namespace jobctl::test
