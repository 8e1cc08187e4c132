// A damaged segment must never crash a reader: random bytes written over the
// job table (the header left valid, as a stray write would) are read back as
// odd jobs or refused, but every command ends with an exit code, not a signal.

#include <fcntl.h>
#include <unistd.h>

#include <random>

#include "jobctl_test.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::test {
namespace {

using DamagedSegment = JobctlTest;

void scribble_over_slots(const std::string& repository_name, std::uint32_t seed) {
    int fd = ::open(table_path_of(repository_name).c_str(), O_RDWR);
    ASSERT_GE(fd, 0);
    std::mt19937 random(seed);
    const std::size_t table = sizeof(detail::SegmentHeader);
    const std::size_t span = 24 * sizeof(detail::JobSlot);  // the first slots, where this test's jobs are
    for (int i = 0; i < 200; ++i) {
        auto offset = static_cast<off_t>(table + random() % span);
        unsigned char byte = static_cast<unsigned char>(random());
        ASSERT_EQ(::pwrite(fd, &byte, 1, offset), 1);
    }
    ::close(fd);
}

TEST_F(DamagedSegment, CommandsNeverCrashOnScribbledSlots) {
    for (std::uint32_t seed = 1; seed <= 5; ++seed) {
        for (int i = 0; i < 3; ++i) {
            JobId id = start({"echo", "job"});
            wait_for(
                id, [](const JobInfo& job) { return job.finished(); }, std::chrono::seconds(20));
        }
        scribble_over_slots(repository_name(), seed);
        for (const std::vector<std::string>& command : {std::vector<std::string>{"get"},
                                                        {"get", "--json", "--include-children"},
                                                        {"wait", "--timeout", "0.2"},
                                                        {"receive", "--state", "Completed"},
                                                        {"remove", "--state", "Completed,Failed"},
                                                        {"get", "1"}}) {
            CliResult result = jobctl(command);
            EXPECT_LT(result.exit_code, 128)
                << "seed " << seed << ": jobctl " << command[0] << " died: " << result.err;
        }
        // The repository stays usable for new jobs.
        EXPECT_EQ(jobctl({"start", "-q", "--", "true"}).exit_code, 0) << "seed " << seed;
    }
}

}  // namespace
}  // namespace jobctl::test
