// Output caps (issue 27): `--max-output SIZE` on start, run and foreach, and
// the repository's default. Past the cap the worker drains and drops the
// middle; the job keeps its outcome; its reason says how much was dropped;
// receive marks the gap with one line on stderr.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "folder_watch.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using OutputCap = JobctlTest;

std::string gap_line(const std::string& cap, std::uint64_t dropped) {
    return "jobctl: output capped at " + cap + ": " + std::to_string(dropped) + " bytes dropped here\n";
}

std::uint64_t dropped_in(const std::string& reason) {
    std::size_t at = reason.find("output capped at ");
    if (at == std::string::npos) return 0;
    std::size_t colon = reason.find(": ", at);
    return std::stoull(reason.substr(colon + 2));
}

// True once a tail piece in `folder` ends with `text` (a piece is written
// as the worker takes output from its pipe), within 20 s.
bool wait_for_tail_text(const std::filesystem::path& folder, const std::string& text) {
    return wait_in_folder(folder, [&] {
        for (const auto& entry : std::filesystem::directory_iterator(folder)) {
            if (!entry.path().filename().string().starts_with("output.tail.")) continue;
            std::ifstream in(entry.path(), std::ios::binary);
            std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
            if (bytes.ends_with(text)) return true;
        }
        return false;
    });
}

// The case: a job printing 1 GB under a 10M cap ends with its own
// exit code, keeps at most 10 MB, and receive shows the gap.
TEST_F(OutputCap, AGigabyteUnderATenMegabyteCapKeepsTheOutcome) {
    JobId id = start_with({"--max-output", "10M"}, {"sh", "-c", "head -c 1073741824 /dev/zero; exit 5"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 5);
    std::uint64_t dropped = (1ULL << 30) - (10ULL << 20);
    EXPECT_EQ(job.reason,
              "exited with code 5; output capped at 10M: " + std::to_string(dropped) + " bytes dropped");
    EXPECT_LE(job.output_bytes, (10ULL << 20) + 64 * 1024);  // the framing of its records, and the gap's line
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.out.size(), 10u << 20);
    EXPECT_EQ(received.out.find_first_not_of('\0'), std::string::npos);
    EXPECT_EQ(received.err, gap_line("10M", dropped));
    auto folder = std::filesystem::path(home()) / repository_name() / "output" / std::to_string(id);
    EXPECT_FALSE(std::filesystem::exists(folder / "output.cap"));
    EXPECT_FALSE(std::filesystem::exists(folder / "output.tail.0"));
}

// Lines: the first half ends at a line's end, the last half begins at a
// line's start, both the command's own, and the counts add up.
TEST_F(OutputCap, LinesAreCutAtLineEnds) {
    CliResult run = jobctl({"run", "--max-output", "64K", "--", "sh", "-c", "seq 1 200000; echo done >&2"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string all;
    for (int i = 1; i <= 200000; ++i) all += std::to_string(i) + "\n";
    std::string out = run.out;
    EXPECT_LE(out.size(), 64u * 1024);
    // The gap is where the numbers jump.
    std::vector<std::string> lines = lines_of(out);
    std::size_t jump = 1, gap = lines[0].size() + 1;
    for (; jump < lines.size() && std::stoi(lines[jump]) == std::stoi(lines[jump - 1]) + 1; ++jump)
        gap += lines[jump].size() + 1;
    ASSERT_LT(jump, lines.size());
    std::string first = out.substr(0, gap), last = out.substr(gap);
    EXPECT_TRUE(all.starts_with(first));
    EXPECT_TRUE(all.ends_with(last));
    EXPECT_NE(all.find("\n" + last), std::string::npos);
    // The first half is 32K on disk, framing included, and may end up to an
    // eighth early, at a line's end: at least 24K less each record's 16 bytes.
    EXPECT_GE(first.size(), 20u * 1024);
    // "done\n" on stderr is in the last half: what is missing is stdout's.
    EXPECT_NE(run.err.find(gap_line("64K", all.size() - out.size())), std::string::npos) << run.err;
    EXPECT_TRUE(run.err.ends_with("done\n")) << run.err;  // the tail's stderr, after the gap
}

TEST_F(OutputCap, UnderTheCapNothingChanges) {
    JobId id = start_with({"--max-output", "4K"}, {"sh", "-c", "seq 1 100"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::completed);
    EXPECT_EQ(job.reason, "");
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(received.err, "");
    EXPECT_EQ(lines_of(received.out).size(), 100u);
}

// The repository's default caps a job that sets none; 0 on the job lifts it.
TEST_F(OutputCap, TheRepositoryDefaultAppliesUnlessTheJobSetsItsOwn) {
    ASSERT_EQ(jobctl({"repository", "--max-output", "8K"}).exit_code, 0);
    CliResult shown = jobctl({"repository", "--json"});
    EXPECT_NE(shown.out.find("\"max_output\": 8192"), std::string::npos) << shown.out;
    JobId capped = start({"sh", "-c", "seq 1 100000"});
    JobId uncapped = start_with({"--max-output", "0"}, {"sh", "-c", "seq 1 100000"});
    JobId own = start_with({"--max-output", "16K"}, {"sh", "-c", "seq 1 100000"});
    EXPECT_GT(dropped_in(wait_until_finished(capped).reason), 0u);
    EXPECT_EQ(wait_until_finished(uncapped).reason, "");
    EXPECT_NE(wait_until_finished(own).reason.find("output capped at 16K"), std::string::npos);
    EXPECT_EQ(jobctl({"receive", std::to_string(uncapped)}).out.size(), 588895u);
    ASSERT_EQ(jobctl({"repository", "--max-output", "0"}).exit_code, 0);
    EXPECT_NE(jobctl({"repository"}).out.find("Max output  no cap"), std::string::npos);
}

TEST_F(OutputCap, EachForeachChildHasItsOwnCap) {
    CliResult run = jobctl(
        {"foreach", "-j", "2", "--max-output", "8K", "--", "sh", "-c", "seq 1 {}", ":::", "10", "100000"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(run.out.starts_with("1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n1\n2\n")) << run.out.substr(0, 40);
    EXPECT_TRUE(run.out.ends_with("99999\n100000\n"));
    EXPECT_LE(run.out.size(), 21u + 8 * 1024);
    EXPECT_EQ(lines_of(run.err).size(), 1u) << run.err;  // one gap, the second child's
}

// A stop ends the job as usual; what the cap dropped is still said. The
// job asks for its own stop once it has printed everything.
TEST_F(OutputCap, AStoppedJobStillSaysWhatWasDropped) {
    std::string stop_self = "'" + bin_dir() + "/jobctl' stop --no-wait capped-stop";
    JobId id = start_with({"--name", "capped-stop", "--max-output", "4K"},
                          {"sh", "-c", "seq 1 100000; " + stop_self + "; exec sleep 1000"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped);
    EXPECT_TRUE(job.reason.starts_with("stopped; ")) << job.reason;
    EXPECT_TRUE(job.reason.ends_with("; output capped at 4K: " + std::to_string(dropped_in(job.reason)) +
                                     " bytes dropped"))
        << job.reason;
    EXPECT_TRUE(jobctl({"receive", std::to_string(id)}).out.ends_with("\n100000\n"));
}

// The worker dies past the first half: the look that finds the job lost
// finishes the tail it left, and says what was dropped.
TEST_F(OutputCap, AKilledWorkersTailIsFinishedByTheLookThatFindsItLost) {
    JobId id = start_with({"--max-output", "4K"}, {"sh", "-c", "seq 1 100000; echo END; exec sleep 1000"});
    auto folder = std::filesystem::path(home()) / repository_name() / "output" / std::to_string(id);
    // Killed once its worker has taken every line from the pipe.
    ASSERT_TRUE(wait_for_tail_text(folder, "END\n"));
    JobInfo running = wait_until_running(id);
    ::kill(running.owner_pid, SIGKILL);
    ::waitpid(running.owner_pid, nullptr, 0);  // we are its subreaper
    JobInfo job = wait_until_finished(id);
    EXPECT_TRUE(job.reason.starts_with("worker lost")) << job.reason;
    EXPECT_NE(job.reason.find("; output capped at 4K: "), std::string::npos) << job.reason;
    CliResult received = jobctl({"receive", std::to_string(id)});
    EXPECT_TRUE(received.out.starts_with("1\n2\n3\n"));
    EXPECT_TRUE(received.out.ends_with("\n100000\nEND\n"));
    EXPECT_LE(received.out.size(), 4096u);
    EXPECT_EQ(received.err, gap_line("4K", dropped_in(job.reason))) << received.err;
    EXPECT_FALSE(std::filesystem::exists(folder / "output.cap"));
    EXPECT_FALSE(std::filesystem::exists(folder / "output.tail.0"));
}

TEST_F(OutputCap, BadSizesAreRefusedAndRegisterNothing) {
    for (const char* size : {"100", "4095", "1k5", "-1", "10X", ""}) {
        CliResult result = jobctl({"start", "--max-output", size, "--", "true"});
        EXPECT_EQ(result.exit_code, 2) << size;
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
    }
    CliResult slurm = jobctl({"start", "--on", "slurm", "--max-output", "1M", "--", "true"});
    EXPECT_EQ(slurm.exit_code, 2);
    EXPECT_NE(slurm.err.find("--max-output"), std::string::npos) << slurm.err;
    CliResult repository_size = jobctl({"repository", "--max-output", "100"});
    EXPECT_EQ(repository_size.exit_code, 2);
    EXPECT_TRUE(list_jobs(repository()).empty());
    EXPECT_EQ(jobctl({"repository", "--json"}).out.find("\"max_output\": 100"), std::string::npos);
}

}  // namespace
}  // namespace jobctl::test
