// The framed output log: order, streams, binary data, ranges, damage, and a
// full disk (on a small tmpfs, as root).

#include "output/output_log.hpp"

#include <gtest/gtest.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>

#include "jobctl/error.hpp"
#include "tmpfs_mount.hpp"

namespace jobctl {
namespace {

class OutputLogTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/jobctl-output-log-test-XXXXXX";
        directory_ = ::mkdtemp(pattern);
    }
    void TearDown() override { std::filesystem::remove_all(directory_); }

    std::vector<std::pair<OutputStream, std::string>> read_all(std::uint64_t from, std::uint64_t to,
                                                               std::uint64_t* end = nullptr) {
        std::vector<std::pair<OutputStream, std::string>> records;
        OutputLogReader reader(directory_ / "job");
        std::uint64_t stop = reader.read(from, to, [&](OutputStream stream, std::string_view bytes) {
            records.emplace_back(stream, std::string(bytes));
        });
        if (end) *end = stop;
        return records;
    }

    std::filesystem::path directory_;
};

TEST_F(OutputLogTest, KeepsOrderAndStreams) {
    OutputLogWriter writer(directory_ / "job");
    writer.append(OutputStream::out, "a\n");
    writer.append(OutputStream::err, "b\n");
    std::uint64_t size = writer.append(OutputStream::out, "c\n");
    auto records = read_all(0, size);
    ASSERT_EQ(records.size(), 3u);
    EXPECT_EQ(records[0], std::pair(OutputStream::out, std::string("a\n")));
    EXPECT_EQ(records[1], std::pair(OutputStream::err, std::string("b\n")));
    EXPECT_EQ(records[2], std::pair(OutputStream::out, std::string("c\n")));
}

TEST_F(OutputLogTest, BinaryBytesPassUnchanged) {
    std::string bytes;
    for (int i = 0; i < 3 * 256 * 1024; ++i) bytes.push_back(static_cast<char>(i * 7));
    OutputLogWriter writer(directory_ / "job");
    std::uint64_t size = writer.append(OutputStream::out, bytes);
    auto records = read_all(0, size);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].second, bytes);
}

TEST_F(OutputLogTest, ReadsOnlyWholeRecordsWithinRange) {
    OutputLogWriter writer(directory_ / "job");
    std::uint64_t first = writer.append(OutputStream::out, "one");
    std::uint64_t second = writer.append(OutputStream::out, "two");
    std::uint64_t end = 0;
    auto records = read_all(0, second - 1, &end);  // the second record is not complete yet
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(end, first);
    records = read_all(first, second, &end);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].second, "two");
    EXPECT_EQ(end, second);
}

TEST_F(OutputLogTest, RecordCutShortIsLeftWholeForTheNextRead) {
    // The table says the log is longer than the file is (a log cut short, as
    // a power loss can leave it): the reader used to return the offset after
    // the unread record's header, and the next receive then read its bytes as
    // a header ("damaged"). Found by the output-log fuzzer.
    OutputLogWriter writer(directory_ / "job");
    std::uint64_t first = writer.append(OutputStream::out, "one");
    std::uint64_t second = writer.append(OutputStream::err, "the second record");
    std::filesystem::resize_file(directory_ / "job" / kOutputLogFileName, second - 5);
    std::uint64_t end = 0;
    auto records = read_all(0, second, &end);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(end, first);
    // Once the file holds the record, a read from there delivers it whole.
    std::filesystem::resize_file(directory_ / "job" / kOutputLogFileName, first);
    OutputLogWriter again(directory_ / "job");
    EXPECT_EQ(again.append(OutputStream::err, "the second record"), second);
    records = read_all(end, second, &end);
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0], std::pair(OutputStream::err, std::string("the second record")));
    EXPECT_EQ(end, second);
}

TEST_F(OutputLogTest, MissingLogReadsAsEmptyAndNoFileIsCreatedWithoutOutput) {
    OutputLogWriter writer(directory_ / "job");
    EXPECT_FALSE(std::filesystem::exists(directory_ / "job"));
    EXPECT_TRUE(read_all(0, 100).empty());
}

TEST_F(OutputLogTest, DamagedLogIsAnErrorNotACrash) {
    OutputLogWriter writer(directory_ / "job");
    writer.append(OutputStream::out, "fine");
    {
        std::ofstream log(directory_ / "job" / kOutputLogFileName, std::ios::binary | std::ios::app);
        log << std::string(64, '\xff');
    }
    EXPECT_THROW(read_all(0, 1000), Error);
}

// The log on a 64 KiB tmpfs: what a full disk does to it.
class FullDiskLogTest : public OutputLogTest {
protected:
    void SetUp() override {
        OutputLogTest::SetUp();
        disk_.emplace(directory_ / "small", 64 * 1024);
        if (disk_->not_permitted()) GTEST_SKIP() << disk_->why_not();
        ASSERT_TRUE(disk_->mounted()) << disk_->why_not();
    }
    void TearDown() override {
        disk_.reset();
        OutputLogTest::TearDown();
    }

    std::filesystem::path job() const { return directory_ / "small" / "job"; }
    std::vector<std::pair<OutputStream, std::string>> records(std::uint64_t to) {
        std::vector<std::pair<OutputStream, std::string>> found;
        OutputLogReader reader(job());
        EXPECT_EQ(reader.read(0, to,
                              [&](OutputStream stream, std::string_view bytes) {
                                  found.emplace_back(stream, std::string(bytes));
                              }),
                  to);
        return found;
    }
    // The file ends where the writer says: no torn record after the last whole one.
    std::uint64_t file_size() const {
        std::error_code error;
        auto size = std::filesystem::file_size(job() / kOutputLogFileName, error);
        return error ? 0 : size;
    }

    std::optional<test::TmpfsMount> disk_;
};

std::string pattern(std::size_t size) {
    std::string bytes;
    for (std::size_t i = 0; i < size; ++i) bytes.push_back(static_cast<char>('a' + i % 26));
    return bytes;
}

int bytes_in_pipe(int fd) {
    int available = -1;
    ::ioctl(fd, FIONREAD, &available);
    return available;
}

TEST_F(FullDiskLogTest, TextKeepsWhatFitsAndCountsTheRest) {
    OutputLogWriter writer(job());
    std::string bytes = pattern(200 * 1024);
    std::uint64_t size = writer.append(OutputStream::out, bytes);
    EXPECT_EQ(writer.loss_error(), ENOSPC);
    EXPECT_EQ(file_size(), size);
    auto found = records(size);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_GT(found[0].second.size(), 0u);
    EXPECT_EQ(found[0].second, bytes.substr(0, found[0].second.size()));
    EXPECT_EQ(found[0].second.size() + writer.lost_bytes(), bytes.size());
}

TEST_F(FullDiskLogTest, AResultRecordIsKeptWholeOrNotAtAll) {
    OutputLogWriter writer(job());
    std::uint64_t before = writer.append(OutputStream::out, "before");
    std::string json = "\"" + pattern(100 * 1024) + "\"";
    EXPECT_EQ(writer.append(OutputStream::result, json), before);
    EXPECT_EQ(writer.lost_bytes(), json.size());
    EXPECT_EQ(file_size(), before);
    auto found = records(before);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].second, "before");
}

TEST_F(FullDiskLogTest, WritingResumesWhenRoomReturns) {
    auto filler = disk_->fill();
    OutputLogWriter writer(job());
    EXPECT_EQ(writer.append(OutputStream::out, "lost"), 0u);
    EXPECT_EQ(writer.lost_bytes(), 4u);
    std::filesystem::remove(filler);
    std::uint64_t size = writer.append(OutputStream::err, "kept");
    EXPECT_EQ(writer.lost_bytes(), 4u);
    auto found = records(size);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0], std::pair(OutputStream::err, std::string("kept")));
}

TEST_F(FullDiskLogTest, APipeIsDrainedOfWhatCannotBeKept) {
    auto filler = disk_->fill();
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::string bytes = pattern(32 * 1024);
    ASSERT_EQ(::write(pipe_fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    OutputLogWriter writer(job());
    EXPECT_EQ(writer.append_from_pipe(OutputStream::out, pipe_fds[0]), std::optional<std::uint64_t>(0));
    EXPECT_EQ(bytes_in_pipe(pipe_fds[0]), 0);
    EXPECT_EQ(writer.lost_bytes(), bytes.size());
    std::filesystem::remove(filler);
    ASSERT_EQ(::write(pipe_fds[1], "back", 4), 4);
    auto size = writer.append_from_pipe(OutputStream::out, pipe_fds[0]);
    ASSERT_TRUE(size);
    auto found = records(*size);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].second, "back");
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

TEST_F(FullDiskLogTest, APipeRecordKeepsWhatFits) {
    {
        // 56 of the 64 KiB taken: two pages left.
        std::ofstream filler(disk_->path() / "filler", std::ios::binary);
        filler << std::string(56 * 1024, 'f');
    }
    int pipe_fds[2];
    ASSERT_EQ(::pipe(pipe_fds), 0);
    std::string bytes = pattern(60 * 1024);
    ASSERT_EQ(::write(pipe_fds[1], bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    OutputLogWriter writer(job());
    auto size = writer.append_from_pipe(OutputStream::out, pipe_fds[0]);
    ASSERT_TRUE(size);
    EXPECT_EQ(bytes_in_pipe(pipe_fds[0]), 0);
    EXPECT_EQ(file_size(), *size);
    auto found = records(*size);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_GT(found[0].second.size(), 0u);
    EXPECT_EQ(found[0].second, bytes.substr(0, found[0].second.size()));
    EXPECT_EQ(found[0].second.size() + writer.lost_bytes(), bytes.size());
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
}

}  // namespace
}  // namespace jobctl
