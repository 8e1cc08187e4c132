// The framed output log: order, streams, binary data, ranges, damage.

#include "output/output_log.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "jobctl/error.hpp"

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

}  // namespace
}  // namespace jobctl
