// The repository segment: creation, opening, validation, capacity and ids.

#include "repository_test.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>

#include "jobctl/error.hpp"
#include "table/job_table.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::test {
namespace {

using RepositoryUnit = RepositoryTest;

ErrorCode error_code_of(const std::function<void()>& action) {
    try {
        action();
    } catch (const Error& error) {
        return error.code();
    }
    ADD_FAILURE() << "no jobctl::Error thrown";
    return ErrorCode::system;
}

TEST_F(RepositoryUnit, CreatesPrivateSegmentAndReopensIt) {
    Repository& repo = repository();
    struct stat status {};
    ASSERT_EQ(::stat(table_path_of(repository_name()).c_str(), &status), 0);
    EXPECT_EQ(status.st_mode & 0777, 0600u);
    EXPECT_EQ(status.st_uid, ::geteuid());
    JobInfo added = detail::table_of(repo).add({"first", JobType::process, "true"});
    auto reopened = Repository::open(repository_name());
    auto found = reopened.find(added.id);
    ASSERT_TRUE(found);
    EXPECT_EQ(found->name, "first");
    EXPECT_EQ(found->state, JobState::not_started);
    EXPECT_EQ(reopened.capacity(), Repository::kDefaultCapacity);
}

TEST_F(RepositoryUnit, DefaultNameIsJobName) {
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, "true"});
    EXPECT_EQ(job.name, "Job" + std::to_string(job.id));
}

TEST_F(RepositoryUnit, RejectsLayoutVersionMismatch) {
    repository();
    {
        int fd = ::open(table_path_of(repository_name()).c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        std::uint32_t other_version = detail::kLayoutVersion + 1;
        ASSERT_EQ(::pwrite(fd, &other_version, sizeof other_version,
                           offsetof(detail::SegmentHeader, layout_version)),
                  static_cast<ssize_t>(sizeof other_version));
        ::close(fd);
    }
    try {
        Repository::open(repository_name());
        FAIL() << "opened a segment of another layout version";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::repository_unusable);
        EXPECT_NE(std::string(error.what()).find("layout version"), std::string::npos) << error.what();
    }
}

TEST_F(RepositoryUnit, RejectsGarbageAndShortSegments) {
    std::string path = table_path_of(repository_name());
    {
        std::ofstream garbage(path, std::ios::binary);
        garbage << std::string(100000, 'x');
    }
    ::chmod(path.c_str(), 0600);
    EXPECT_EQ(error_code_of([&] { Repository::open(repository_name()); }), ErrorCode::repository_unusable);
    {
        std::ofstream tiny(path, std::ios::binary | std::ios::trunc);
        tiny << "jobctl";
    }
    EXPECT_EQ(error_code_of([&] { Repository::open(repository_name()); }), ErrorCode::repository_unusable);
}

TEST_F(RepositoryUnit, RejectsSegmentOthersCanReadOrOwn) {
    repository();
    std::string path = table_path_of(repository_name());
    ASSERT_EQ(::chmod(path.c_str(), 0644), 0);
    EXPECT_EQ(error_code_of([&] { Repository::open(repository_name()); }), ErrorCode::repository_unusable);
    ASSERT_EQ(::chmod(path.c_str(), 0600), 0);
    if (::geteuid() == 0) {  // only root can give a file away
        ASSERT_EQ(::chown(path.c_str(), 65534, 65534), 0);
        EXPECT_EQ(error_code_of([&] { Repository::open(repository_name()); }),
                  ErrorCode::repository_unusable);
    }
}

TEST_F(RepositoryUnit, RejectsBadRepositoryNames) {
    EXPECT_EQ(error_code_of([] { Repository::open("../etc"); }), ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([] { Repository::open(""); }), ErrorCode::invalid_argument);
}

TEST_F(RepositoryUnit, DamagedNextIdIsRecoveredFromTheSlots) {
    JobInfo first = detail::table_of(repository()).add({"", JobType::process, "true"});
    {
        int fd = ::open(table_path_of(repository_name()).c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        std::uint32_t zero = 0;
        ASSERT_EQ(::pwrite(fd, &zero, sizeof zero, offsetof(detail::SegmentHeader, next_id)),
                  static_cast<ssize_t>(sizeof zero));
        ::close(fd);
    }
    JobInfo next = detail::table_of(repository()).add({"", JobType::process, "true"});
    EXPECT_EQ(next.id, first.id + 1);
    EXPECT_TRUE(repository().find(next.id));
}

// A next_id damaged to below ids in use (not 0, which says so plainly)
// must not hand out an id that a job has already.
TEST_F(RepositoryUnit, NextIdDamagedBelowIdsInUseHandsOutNoIdTwice) {
    std::vector<JobId> ids;
    for (int i = 0; i < 3; ++i)
        ids.push_back(detail::table_of(repository()).add({"", JobType::process, "true"}).id);
    {
        int fd = ::open(table_path_of(repository_name()).c_str(), O_RDWR);
        ASSERT_GE(fd, 0);
        std::uint32_t lower = ids[1];
        ASSERT_EQ(::pwrite(fd, &lower, sizeof lower, offsetof(detail::SegmentHeader, next_id)),
                  static_cast<ssize_t>(sizeof lower));
        ::close(fd);
    }
    JobInfo next = detail::table_of(repository()).add({"", JobType::process, "true"});
    EXPECT_EQ(next.id, ids[2] + 1);
    std::set<JobId> seen;
    for (const JobInfo& job : repository().list())
        EXPECT_TRUE(seen.insert(job.id).second) << "id " << job.id << " twice";
    EXPECT_EQ(seen.size(), 4u);
}

TEST_F(RepositoryUnit, FullRepositoryIsAClearErrorAndChangesNothing) {
    auto small = Repository::open(repository_name(), 3);
    for (int i = 0; i < 3; ++i) detail::table_of(small).add({"", JobType::process, "true"});
    try {
        detail::table_of(small).add({"", JobType::process, "true"});
        FAIL() << "a fourth job fitted into three slots";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::repository_full);
        EXPECT_NE(std::string(error.what()).find("jobctl remove"), std::string::npos);
    }
    EXPECT_EQ(small.list().size(), 3u);
    detail::table_of(small).erase(small.list().front().id);
    EXPECT_NO_THROW(detail::table_of(small).add({"", JobType::process, "true"}));
}

TEST_F(RepositoryUnit, IdsAreNeverReused) {
    Repository& repo = repository();
    JobInfo first = detail::table_of(repo).add({"", JobType::process, "true"});
    JobInfo second = detail::table_of(repo).add({"", JobType::process, "true"});
    detail::table_of(repo).erase(second.id);
    JobInfo third = detail::table_of(repo).add({"", JobType::process, "true"});
    EXPECT_EQ(second.id, first.id + 1);
    EXPECT_EQ(third.id, second.id + 1);
}

TEST_F(RepositoryUnit, FindsEveryJobAfterSlotsAreReusedAroundTheTable) {
    auto small = Repository::open(repository_name(), 5);
    std::vector<JobId> kept;
    for (int round = 0; round < 4; ++round) {
        while (small.list().size() < 5)
            kept.push_back(detail::table_of(small).add({"", JobType::process, "true"}).id);
        detail::table_of(small).erase(
            kept[kept.size() - 3]);  // free a slot in the middle, then one at the start
        detail::table_of(small).erase(small.list().front().id);
    }
    for (const JobInfo& job : small.list()) EXPECT_EQ(small.find(job.id)->id, job.id);
    EXPECT_EQ(small.list().size(), 3u);
    EXPECT_FALSE(small.find(kept.front()));
}

TEST_F(RepositoryUnit, ConcurrentAddsFromManyProcessesGetUniqueIds) {
    repository();
    constexpr int kProcesses = 4, kJobsEach = 200;
    std::vector<pid_t> children;
    for (int p = 0; p < kProcesses; ++p) {
        pid_t child = ::fork();
        if (child == 0) {
            auto repo = Repository::open(repository_name());
            for (int i = 0; i < kJobsEach; ++i) detail::table_of(repo).add({"", JobType::process, "true"});
            ::_exit(0);
        }
        children.push_back(child);
    }
    for (pid_t child : children) {
        int status = 0;
        ::waitpid(child, &status, 0);
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    std::set<JobId> ids;
    for (const JobInfo& job : repository().list()) ids.insert(job.id);
    EXPECT_EQ(ids.size(), static_cast<std::size_t>(kProcesses * kJobsEach));
}

TEST_F(RepositoryUnit, RejectsBadJobNames) {
    Repository& repo = repository();
    EXPECT_EQ(error_code_of([&] {
                  detail::table_of(repo).add({std::string(64, 'n'), JobType::process, "true"});
              }),
              ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] {
                  detail::table_of(repo).add({"123", JobType::process, "true"});
              }),
              ErrorCode::invalid_argument);
    EXPECT_EQ(error_code_of([&] {
                  detail::table_of(repo).add({"a\nb", JobType::process, "true"});
              }),
              ErrorCode::invalid_argument);
    EXPECT_TRUE(repo.list().empty());
    EXPECT_NO_THROW(detail::table_of(repo).add({std::string(63, 'n'), JobType::process, "true"}));
}

// The slot keeps the start (table/full_command: cut at a character
// boundary, marked); readers get the whole command from the job's folder.
TEST_F(RepositoryUnit, LongCommandIsKeptWhole) {
    std::string command(300, 'c');
    command.replace(254, 2, "\xC3\xA9");  // 'é' straddling the field's end
    JobInfo job = detail::table_of(repository()).add({"", JobType::process, command});
    EXPECT_EQ(job.command, command);
    EXPECT_EQ(repository().find(job.id)->command, command);
    EXPECT_EQ(repository().list().at(0).command, command);
}

}  // namespace
}  // namespace jobctl::test
