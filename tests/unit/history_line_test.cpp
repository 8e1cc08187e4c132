// A history line holds what `jobctl history` shows of an ended job, and
// reads back exactly; a line cut anywhere (a crash mid-write) is never
// taken for an entry.

#include "table/history_line.hpp"

#include <gtest/gtest.h>

#include <string>

#include "text/iso_time.hpp"

namespace jobctl::detail {
namespace {

HistoryEntry ended_job() {
    HistoryEntry entry;
    JobInfo& job = entry.job;
    job.id = 4711;
    job.parent_id = 4700;
    job.name = "build:3 \"quoted\" ✓";
    job.type = JobType::thread;
    job.type_name = "thread";
    job.state = JobState::failed;
    job.reason = "exited with code 2\n(second line)";
    job.exit_code = 2;
    job.command = "make -C 'src dir' all";
    job.cwd = "/home/ann/src";
    job.location = "node7";
    job.queue = "builds";
    auto at = [](long long micros) { return Clock::time_point(std::chrono::microseconds(micros)); };
    job.created = at(1'780'000'000'123'456);
    job.began = at(1'780'000'001'000'001);
    job.ended = at(1'780'000'005'500'000);
    job.resources = ResourceUse{std::chrono::microseconds(1500), std::chrono::microseconds(20), 4096, true};
    job.output_bytes = 123'456'789'012;
    job.read_offset = job.output_bytes;
    entry.attempts = 3;
    return entry;
}

TEST(HistoryLine, ReadsBackWhatItWrote) {
    HistoryEntry entry = ended_job();
    std::string line = format_history_line(entry);
    EXPECT_EQ(line.find('\n'), std::string::npos) << "one line";
    std::optional<HistoryEntry> read = parse_history_line(line);
    ASSERT_TRUE(read);
    EXPECT_EQ(read->job, entry.job);
    EXPECT_EQ(read->attempts, 3u);
    EXPECT_NE(line.find("\"wall_ms\":4499"), std::string::npos) << line;
}

TEST(HistoryLine, ASignalACustomTypeAndMissingTimesReadBack) {
    HistoryEntry entry = ended_job();
    entry.job.exit_code.reset();
    entry.job.term_signal = 9;
    entry.job.type = JobType::custom;
    entry.job.type_name = "slurm";
    entry.job.external_id = "4711_3";
    entry.job.began.reset();
    entry.job.resources.reset();
    std::optional<HistoryEntry> read = parse_history_line(format_history_line(entry));
    ASSERT_TRUE(read);
    EXPECT_EQ(read->job, entry.job);
}

TEST(HistoryLine, ALineCutAnywhereIsNoEntry) {
    std::string line = format_history_line(ended_job());
    for (std::size_t length = 0; length < line.size(); ++length)
        EXPECT_FALSE(parse_history_line(line.substr(0, length))) << length;
    EXPECT_FALSE(parse_history_line(line + line)) << "two lines run together";
    EXPECT_FALSE(parse_history_line(
        R"({"id":1,"name":"x","type":"process","state":"Done","ended":"2026-01-01T00:00:00Z"})"));
    EXPECT_FALSE(parse_history_line(
        R"({"id":0,"name":"x","type":"process","state":"Failed","ended":"2026-01-01T00:00:00Z"})"));
    EXPECT_TRUE(parse_history_line(
        R"({"id":1,"name":"x","type":"process","state":"Failed","ended":"2026-01-01T00:00:00Z","new":[1]})"))
        << "fields from a later version are ignored";
}

TEST(IsoTime, ReadsBackWhatItWrote) {
    Clock::time_point time{std::chrono::microseconds(1'780'000'000'123'456)};
    EXPECT_EQ(format_iso_time(time), "2026-05-28T20:26:40.123456Z");
    EXPECT_EQ(parse_iso_time(format_iso_time(time)), time);
    EXPECT_EQ(parse_iso_time("2026-05-28T20:26:40Z"), Clock::time_point(std::chrono::seconds(1'780'000'000)));
    for (const char* bad : {"", "2026-05-28", "2026-13-28T20:26:40Z", "2026-05-28T20:26:40.Z",
                            "2026-05-28T20:26:40.1234567890Z", "2026-05-28 20:26:40Z", "2026-05-28T20:26:40"})
        EXPECT_FALSE(parse_iso_time(bad)) << bad;
}

}  // namespace
}  // namespace jobctl::detail
