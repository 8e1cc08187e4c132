// A new repository's table is small on disk and grows as jobs are added
// (docs/decisions/0055-the-table-grows-on-disk.md). A full disk refuses a
// start in one line, before anything is registered, and harms no process:
// the slots' blocks are reserved before they are first written. The full
// disk is a real tmpfs mounted over the repository's folder (root only:
// those tests skip themselves where they cannot mount one).

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "table/segment_layout.hpp"
#include "tmpfs_mount.hpp"

namespace jobctl::test {
namespace {

// What the file takes on disk (its blocks), and what it says its size is.
std::uint64_t allocated_bytes(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_blocks) * 512 : 0;
}
std::uint64_t apparent_size(const std::string& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 ? static_cast<std::uint64_t>(status.st_size) : 0;
}

constexpr std::uint64_t kHeader = sizeof(detail::SegmentHeader);
constexpr std::uint64_t kSlot = sizeof(detail::JobSlot);
constexpr std::uint64_t kPage = 4096;
// The name buckets' heads after the slots have their blocks from the start
// (whole pages, from the one the last slot ends in).
constexpr std::uint64_t kSize = detail::segment_size(Repository::kDefaultCapacity);
constexpr std::uint64_t kHeadsBlocks = detail::name_heads_blocks(Repository::kDefaultCapacity, kPage);

class TableGrowth : public JobctlTest {
protected:
    std::string table() { return table_path_of(repository_name()); }
    std::filesystem::path folder() { return std::filesystem::path(table()).parent_path(); }

    // The line of a start refused for want of disk space.
    static void expect_refused_for_room(const CliResult& result) {
        EXPECT_EQ(result.exit_code, 9) << result.err;  // not 135: no SIGBUS
        EXPECT_EQ(result.out, "");
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
        EXPECT_EQ(result.err.rfind("jobctl: no room on the disk for another job in ", 0), 0u) << result.err;
        EXPECT_NE(result.err.find("(No space left on device)"), std::string::npos) << result.err;
    }
};

#define MOUNT_OR_SKIP(disk)                                           \
    do {                                                              \
        if ((disk).not_permitted()) GTEST_SKIP() << (disk).why_not(); \
        ASSERT_TRUE((disk).mounted()) << (disk).why_not();            \
    } while (false)

TEST_F(TableGrowth, ANewTableTakesLittleDiskAndGrowsWithItsJobs) {
    CliResult created = jobctl({"get"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    // Its whole size from the start (every process maps it whole), its
    // blocks only for the header and the name heads.
    EXPECT_EQ(apparent_size(table()), kSize);
    EXPECT_LE(allocated_bytes(table()), kPage + kHeadsBlocks) << "a new table should take a page or so";

    constexpr std::uint64_t kJobs = 100;
    for (std::uint64_t k = 0; k < kJobs; ++k) start({"true"});
    std::uint64_t grown = allocated_bytes(table());
    EXPECT_GE(grown, kHeader + kJobs * kSlot) << "the slots in use must have their blocks";
    EXPECT_LT(grown, 512u * 1024 + kHeadsBlocks)
        << "blocks are reserved 64 KiB at a time, as the slots are used";
    EXPECT_EQ(apparent_size(table()), kSize);
    auto jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), kJobs);
    EXPECT_EQ(jobs.back().id, kJobs);
}

// Jobs until the next one's slot is past the blocks the table has, then
// a full disk: that start is refused, nothing is registered, every job
// there is stays readable and its worker records its end (its slot has its
// blocks); once there is room again, the next start takes the next id.
TEST_F(TableGrowth, AFullDiskRefusesAStartInOneLineAndHarmsNoJob) {
    TmpfsMount disk(folder(), 1 << 20);
    MOUNT_OR_SKIP(disk);
    JobId sleeper = start({"sleep", "600"});
    ASSERT_NE(sleeper, 0u);
    wait_until_running(sleeper);
    std::uint64_t jobs = 1;
    while (kHeader + (jobs + 1) * kSlot + kHeadsBlocks <= allocated_bytes(table())) {
        ASSERT_NE(start({"true"}), 0u);
        ++jobs;
    }
    ASSERT_GT(jobs, 10u) << "the first reservation should have made room for many slots";
    // Ended before the disk is filled: a job's runner frees what it kept in
    // the job's folder as it ends, which would make room again.
    for (JobId id = sleeper + 1; id <= jobs; ++id) wait_until_finished(id);
    std::filesystem::path filler = disk.fill();

    expect_refused_for_room(jobctl({"start", "--", "true"}));
    expect_refused_for_room(jobctl({"start", "-q", "--name", "second-try", "--", "true"}));
    auto listed = list_jobs(repository());
    EXPECT_EQ(listed.size(), jobs) << "a refused start registered a job";
    CliResult get = jobctl({"get", std::to_string(sleeper)});
    EXPECT_EQ(get.exit_code, 0) << get.err;
    EXPECT_NE(get.out.find("Running"), std::string::npos) << get.out;

    CliResult stopped = jobctl({"stop", std::to_string(sleeper)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(wait_until_finished(sleeper).state, JobState::stopped);
    for (const JobInfo& job : list_jobs(repository())) {
        if (job.id == sleeper) continue;
        JobInfo ended = wait_until_finished(job.id);
        EXPECT_EQ(ended.state, JobState::completed) << job.id << ": " << ended.reason;
    }

    std::filesystem::remove(filler);
    EXPECT_EQ(start({"true"}), jobs + 1) << "a refused start used up an id";
}

// The smallest disk a table fits on: the pages of the header and the
// first slot, and the name heads. The jobs whose slots those pages hold
// fit; the next needs a page more.
TEST_F(TableGrowth, OnTheSmallestDiskTheJobsOfTheFirstPagesFitAndTheNextIsRefused) {
    constexpr std::uint64_t kPages = (kHeader + kSlot + kPage - 1) / kPage;
    constexpr std::uint64_t kFitting = (kPages * kPage - kHeader) / kSlot;
    static_assert(kFitting >= 1);
    TmpfsMount disk(folder(), kPages * kPage + kHeadsBlocks);
    MOUNT_OR_SKIP(disk);
    std::vector<JobId> fitting;
    for (std::uint64_t k = 0; k < kFitting; ++k) {
        fitting.push_back(start({"true"}));
        ASSERT_NE(fitting.back(), 0u);
    }
    expect_refused_for_room(jobctl({"start", "--", "true"}));
    for (JobId id : fitting) EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
    CliResult listed = jobctl({"get"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    EXPECT_EQ(lines_of(listed.out).size(), kFitting + 1) << listed.out;  // the heading and the jobs
    EXPECT_LE(allocated_bytes(table()), kPages * kPage + kHeadsBlocks);
}

}  // namespace
}  // namespace jobctl::test
