// The capped output log (--max-output): the first half as it comes, the
// last half after the job, the middle counted and dropped, records kept in
// order, documents whole, and nothing left beside the log.

#include "output/capped_output_log.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl {
namespace {

using Records = std::vector<std::pair<OutputStream, std::string>>;

class CappedOutputLogTest : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/jobctl-capped-log-test-XXXXXX";
        parent_ = ::mkdtemp(pattern);
        directory_ = parent_ / "job";  // in a private folder, as the spool is
    }
    void TearDown() override { std::filesystem::remove_all(parent_); }

    Records read_all(std::uint64_t to) {
        Records records;
        OutputLogReader reader(directory_);
        reader.read(0, to, [&](OutputStream stream, std::string_view bytes) {
            records.emplace_back(stream, std::string(bytes));
        });
        return records;
    }
    std::string text_of(const Records& records, OutputStream stream) {
        std::string text;
        for (const auto& [record_stream, bytes] : records)
            if (record_stream == stream) text += bytes;
        return text;
    }
    std::size_t files_in_folder() {
        return static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(directory_), {}));
    }

    std::filesystem::path parent_;
    std::filesystem::path directory_;
};

std::string numbered_lines(int from, int to) {
    std::string text;
    for (int i = from; i <= to; ++i) text += std::to_string(i) + "\n";
    return text;
}

TEST_F(CappedOutputLogTest, NoCapIsThePlainLog) {
    CappedOutputLog log(directory_, 0);
    std::string text = numbered_lines(1, 100000);
    log.append(OutputStream::out, text);
    std::uint64_t size = log.close_tail();
    EXPECT_EQ(text_of(read_all(size), OutputStream::out), text);
    EXPECT_EQ(log.dropped_bytes(), 0u);
}

TEST_F(CappedOutputLogTest, UnderTheCapNothingIsDroppedOrMarked) {
    CappedOutputLog log(directory_, 8192);
    std::string text = numbered_lines(1, 1000);  // 3893 bytes
    for (std::size_t at = 0; at < text.size(); at += 100) log.append(OutputStream::out, text.substr(at, 100));
    std::uint64_t size = log.close_tail();
    Records records = read_all(size);
    EXPECT_EQ(text_of(records, OutputStream::out), text);
    EXPECT_TRUE(text_of(records, OutputStream::info).empty());
    EXPECT_EQ(log.dropped_bytes(), 0u);
}

// Lines of up to 7 bytes, written a line at a time: the first half ends at a
// line's end, the last half starts at a line's start, and what is gone is
// exactly what was dropped.
TEST_F(CappedOutputLogTest, KeepsTheFirstAndLastHalvesInWholeLines) {
    const std::uint64_t cap = 64 * 1024;
    CappedOutputLog log(directory_, cap);
    std::string text = numbered_lines(1, 500000);
    std::uint64_t published = 0;
    for (int i = 1; i <= 500000; ++i) published = log.append(OutputStream::out, std::to_string(i) + "\n");
    std::uint64_t size = log.close_tail();
    EXPECT_GT(size, published);  // the tail arrives with the close
    Records records = read_all(size);
    std::string kept = text_of(records, OutputStream::out);
    EXPECT_LE(kept.size(), cap);
    EXPECT_GE(kept.size(), cap - 16);  // a line's worth at each cut
    // A line per record: the first half's framing counts against it on disk.
    EXPECT_EQ(log.dropped_bytes(), text.size() - kept.size());
    // The gap's one line sits between the halves, on the info stream.
    std::size_t gap = 0;
    for (; gap < records.size() && records[gap].first != OutputStream::info; ++gap) {
    }
    ASSERT_LT(gap, records.size());
    EXPECT_EQ(records[gap].second, "jobctl: output capped at 64K: " + std::to_string(log.dropped_bytes()) +
                                       " bytes dropped here\n");
    std::string before = text_of(Records(records.begin(), records.begin() + gap), OutputStream::out);
    std::string after = text_of(Records(records.begin() + gap + 1, records.end()), OutputStream::out);
    EXPECT_TRUE(before.ends_with('\n'));
    EXPECT_TRUE(text.starts_with(before));
    EXPECT_TRUE(text.ends_with(after));
    EXPECT_TRUE(text.find("\n" + after) != std::string::npos);  // starts at a line's start
    EXPECT_EQ(files_in_folder(), 1u);                           // the pieces are gone
}

// A document (a thread job's result) is never cut: one that does not fit the
// first half goes to the tail whole, and one cut by the last half's start
// is dropped whole. The order of the streams survives.
TEST_F(CappedOutputLogTest, DocumentsAreWholeAndStreamsKeepTheirOrder) {
    CappedOutputLog log(directory_, 4096);
    log.append(OutputStream::out, std::string(1000, 'a'));
    log.append(OutputStream::result,
               "{\"big\":\"" + std::string(1500, 'b') + "\"}");  // past 2048: to the tail
    log.append(OutputStream::err, "e1\n");
    for (int i = 0; i < 500; ++i) log.append(OutputStream::result, "{\"n\":" + std::to_string(i) + "}");
    log.append(OutputStream::err, "e2\n");
    log.append(OutputStream::out, "last\n");
    Records records = read_all(log.close_tail());
    ASSERT_GE(records.size(), 3u);
    EXPECT_EQ(records[0], std::pair(OutputStream::out, std::string(1000, 'a')));
    EXPECT_EQ(records[1].first, OutputStream::info);
    for (const auto& [stream, bytes] : records)
        if (stream == OutputStream::result) {
            EXPECT_TRUE(bytes.starts_with("{") && bytes.ends_with("}")) << bytes;
        }
    EXPECT_EQ(records.back(), std::pair(OutputStream::out, std::string("last\n")));
    EXPECT_EQ(records[records.size() - 2], std::pair(OutputStream::err, std::string("e2\n")));
    EXPECT_EQ(records[records.size() - 3], std::pair(OutputStream::result, std::string("{\"n\":499}")));
}

// From a pipe (the worker's way): drained past the cap, so the writer of
// the pipe never blocks, and the halves are the output's own.
TEST_F(CappedOutputLogTest, DrainsAPipePastTheCap) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    detail::FileDescriptor read_end(fds[0]), write_end(fds[1]);
    CappedOutputLog log(directory_, 16 * 1024);
    std::string text = numbered_lines(1, 200000);
    std::size_t written = 0;
    while (written < text.size()) {
        std::size_t chunk = std::min<std::size_t>(text.size() - written, 4000);
        ASSERT_EQ(::write(write_end.get(), text.data() + written, chunk), static_cast<ssize_t>(chunk));
        written += chunk;
        while (log.append_from_pipe(OutputStream::out, read_end.get())) {
        }
    }
    std::string kept = text_of(read_all(log.close_tail()), OutputStream::out);
    EXPECT_LE(kept.size(), 16u * 1024);
    EXPECT_TRUE(text.starts_with(kept.substr(0, 4096)));
    EXPECT_TRUE(text.ends_with(kept.substr(kept.size() - 4096)));
    EXPECT_EQ(log.dropped_bytes(), text.size() - kept.size());
    EXPECT_EQ(files_in_folder(), 1u);
}

TEST_F(CappedOutputLogTest, ALogLeftEarlyLeavesNoPieces) {
    {
        CappedOutputLog log(directory_, 4096);
        for (int i = 0; i < 1000; ++i) log.append(OutputStream::out, numbered_lines(1, 10));
    }
    EXPECT_EQ(files_in_folder(), 1u);
}

// Output of at most the cap is kept whole, wherever its lines end.
TEST_F(CappedOutputLogTest, OutputWithinTheCapIsKeptWhole) {
    CappedOutputLog log(directory_, 4096);
    std::string text =
        std::string(100, 'a') + "\n" + std::string(2500, 'b') + "\n" + std::string(100, 'c') + "\n";
    log.append(OutputStream::out, text);
    Records records = read_all(log.close_tail());
    EXPECT_EQ(text_of(records, OutputStream::out), text);
    EXPECT_TRUE(text_of(records, OutputStream::info).empty());
    EXPECT_EQ(log.dropped_bytes(), 0u);
}

// A last line longer than the last part: its end is kept, cut mid-line,
// rather than nothing.
TEST_F(CappedOutputLogTest, ALongLastLineKeepsItsEnd) {
    CappedOutputLog log(directory_, 4096);
    for (int i = 1; i <= 3000; ++i) log.append(OutputStream::out, std::to_string(i) + "\n");
    std::string fatal = "FATAL: " + std::string(2100, 'e') + "\n";
    log.append(OutputStream::out, fatal);
    std::string kept = text_of(read_all(log.close_tail()), OutputStream::out);
    EXPECT_TRUE(kept.ends_with(std::string(2000, 'e') + "\n"));
    EXPECT_LE(kept.size(), 4096u);
}

// A program that writes a line at a time (each line its own record, even
// its newline apart): the first part ends at a line's end, the last part
// starts at a line's start.
TEST_F(CappedOutputLogTest, LinesWrittenOneAtATimeAreNotCut) {
    for (bool newline_apart : {false, true}) {
        std::filesystem::remove_all(directory_);
        CappedOutputLog log(directory_, 4096);
        std::string text;
        for (int i = 0; i < 2000; ++i) {
            std::string line = "slow line " + std::to_string(i);
            text += line + "\n";
            if (newline_apart) {
                log.append(OutputStream::out, line);
                log.append(OutputStream::out, "\n");
            } else {
                log.append(OutputStream::out, line + "\n");
            }
        }
        Records records = read_all(log.close_tail());
        std::size_t gap = 0;
        while (gap < records.size() && records[gap].first != OutputStream::info) ++gap;
        ASSERT_LT(gap, records.size());
        std::string before = text_of(Records(records.begin(), records.begin() + gap), OutputStream::out);
        std::string after = text_of(Records(records.begin() + gap + 1, records.end()), OutputStream::out);
        EXPECT_TRUE(before.ends_with('\n'));
        EXPECT_TRUE(text.starts_with(before));
        EXPECT_TRUE(text.ends_with(after));
        EXPECT_TRUE(after.starts_with("slow line ")) << after.substr(0, 20);
        EXPECT_EQ(log.dropped_bytes(), text.size() - before.size() - after.size());
    }
}

// However much is printed, the tail takes at most the rest of the cap and
// one piece on disk while the job runs.
TEST_F(CappedOutputLogTest, TheTailsDiskUseIsBounded) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    detail::FileDescriptor read_end(fds[0]), write_end(fds[1]);
    CappedOutputLog log(directory_, 4096);
    std::string chunk(60000, 'x');
    std::uintmax_t most = 0;
    for (int i = 0; i < 200; ++i) {
        ASSERT_EQ(::write(write_end.get(), chunk.data(), chunk.size()), static_cast<ssize_t>(chunk.size()));
        while (log.append_from_pipe(OutputStream::out, read_end.get())) {
        }
        std::uintmax_t used = 0;
        for (const auto& entry : std::filesystem::directory_iterator(directory_))
            if (entry.path().filename() != "output.log") used += entry.file_size();
        most = std::max(most, used);
    }
    EXPECT_LE(most, 2048u + 64 * 1024 + 4096);
    log.close_tail();
    EXPECT_EQ(log.dropped_bytes(), 200u * 60000 - 4096);
}

// A runner that dies past the first half leaves its pieces and their
// state: whoever finds the job lost finishes them as close_tail would.
TEST_F(CappedOutputLogTest, ADeadRunnersTailIsClosedByAnother) {
    std::filesystem::path copy = parent_ / "copy";
    std::string text = numbered_lines(1, 100000);
    {
        CappedOutputLog log(directory_, 8192);
        for (std::size_t at = 0; at < text.size(); at += 1000)
            log.append(OutputStream::out, text.substr(at, 1000));
        std::filesystem::copy(directory_, copy);  // as the runner left it, had it died here
    }
    auto closed = CappedOutputLog::close_left_tail(copy);
    ASSERT_TRUE(closed);
    EXPECT_EQ(closed->cap, 8192u);
    OutputLogReader reader(copy);
    Records records;
    reader.read(0, closed->log_size, [&](OutputStream stream, std::string_view bytes) {
        records.emplace_back(stream, std::string(bytes));
    });
    // What it had not yet written to a piece (4K at most) is lost with it,
    // and counted as dropped.
    std::string kept = text_of(records, OutputStream::out);
    std::string last = kept.substr(kept.size() - 3000);
    EXPECT_NE(text.find(last), std::string::npos);
    EXPECT_GE(text.find(last), text.size() - 3000 - 4096);
    EXPECT_EQ(closed->dropped, text.size() - kept.size());
    EXPECT_EQ(text_of(records, OutputStream::info),
              "jobctl: output capped at 8K: " + std::to_string(closed->dropped) + " bytes dropped here\n");
    EXPECT_EQ(static_cast<std::size_t>(std::distance(std::filesystem::directory_iterator(copy), {})), 1u);
    EXPECT_FALSE(CappedOutputLog::close_left_tail(copy));  // once
}

}  // namespace
}  // namespace jobctl
