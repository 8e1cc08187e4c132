// Receive-Job semantics through the real binaries.

#include "jobctl/receive.hpp"

#include <fstream>

#include "fifo_gate.hpp"
#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl_test.hpp"
#include "output/output_log.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

using Receive = JobctlTest;

TEST_F(Receive, SeparatesStreamsAndReceivesOnlyOnce) {
    JobId id = start({"sh", "-c", "echo compiling; echo done; echo warn >&2"}, "build");
    wait_until_finished(id);
    CliResult first = jobctl({"receive", "build"});
    EXPECT_EQ(first.exit_code, 0);
    EXPECT_EQ(first.out, "compiling\ndone\n");
    EXPECT_EQ(first.err, "warn\n");
    EXPECT_FALSE(repository().find(id)->has_more_data());
    CliResult second = jobctl({"receive", "build"});
    EXPECT_EQ(second.exit_code, 0);
    EXPECT_EQ(second.out, "");
    EXPECT_EQ(second.err, "");
}

TEST_F(Receive, KeepLeavesTheOutputUnreceived) {
    JobId id = start({"echo", "kept"});
    wait_until_finished(id);
    EXPECT_EQ(jobctl({"receive", "--keep", std::to_string(id)}).out, "kept\n");
    EXPECT_TRUE(repository().find(id)->has_more_data());
    CliResult get = jobctl({"get", std::to_string(id), "--json"});
    EXPECT_NE(get.out.find("\"has_more_data\": true"), std::string::npos);
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "kept\n");
    EXPECT_FALSE(repository().find(id)->has_more_data());
}

// Each line is written only after the repository shows the previous one
// taken from its pipe: the job waits at a gate the test opens then.
TEST_F(Receive, RelativeOrderOfStdoutAndStderrSurvives) {
    FifoGate gate(home() + "/next");
    std::string wait = gate.wait_command();
    JobId id = start(
        {"sh", "-c", "echo 1; " + wait + "; echo 2 >&2; " + wait + "; echo 3; " + wait + "; echo 4 >&2"});
    std::uint64_t seen = 0;
    for (int line = 1; line < 4; ++line) {
        seen = wait_for(id, [&](const JobInfo& job) { return job.output_bytes > seen; }).output_bytes;
        gate.release();
    }
    wait_until_finished(id);
    std::string order;
    OutputLogReader reader(detail::table_of(repository()).job_directory(id));
    reader.read(0, repository().find(id)->output_bytes, [&](OutputStream stream, std::string_view bytes) {
        order += (stream == OutputStream::out ? "o" : "e") + std::string(bytes.substr(0, 1));
    });
    EXPECT_EQ(order, "o1e2o3e4");
}

TEST_F(Receive, BinaryOutputPassesThroughUnchanged) {
    std::string path =
        std::filesystem::temp_directory_path() / ("jobctl-binary-" + std::to_string(::getpid()));
    std::string bytes;
    for (int i = 0; i < 3 * 1024 * 1024 + 17; ++i) bytes.push_back(static_cast<char>((i * 131) ^ (i >> 8)));
    {
        std::ofstream file(path, std::ios::binary);
        file << bytes;
    }
    JobId id = start({"cat", path});
    wait_until_finished(id);
    CliResult result = jobctl({"receive", std::to_string(id)});
    std::filesystem::remove(path);
    EXPECT_EQ(result.exit_code, 0);
    EXPECT_TRUE(result.out == bytes) << "received " << result.out.size() << " bytes of " << bytes.size();
}

TEST_F(Receive, WaitFollowsLiveOutputUntilTheJobEnds) {
    // Each part is written only after the receiver took the one before
    // (the repository shows nothing unread): it follows the job live.
    FifoGate gate(home() + "/next");
    std::string wait = gate.wait_command();
    JobId id = start({"sh", "-c", "echo one; " + wait + "; echo two; " + wait + "; echo three"});
    CliProcess receiver({"jobctl", "receive", "--wait", std::to_string(id)});
    std::uint64_t seen = 0;
    for (int part = 1; part < 3; ++part) {
        seen = wait_for(id, [&](const JobInfo& job) {
                   return job.output_bytes > seen && !job.has_more_data();
               }).output_bytes;
        EXPECT_FALSE(repository().find(id)->finished());
        gate.release();
    }
    CliResult result = receiver.finish();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "one\ntwo\nthree\n");
    EXPECT_TRUE(repository().find(id)->finished());
    EXPECT_FALSE(repository().find(id)->has_more_data());
}

TEST_F(Receive, JobWithoutOutputHasNoMoreData) {
    JobId id = start({"true"});
    EXPECT_FALSE(wait_until_finished(id).has_more_data());
    // No output, no log (the folder holds what a restart needs).
    EXPECT_FALSE(std::filesystem::exists(detail::table_of(repository()).job_directory(id) / "output.log"));
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "");
}

// A family removed while its output is being received (a remove takes the
// children first) must not let the part received pass for the whole.
TEST_F(Receive, AFamilyRemovedWhileReceivedIsReportedNotCutShortSilently) {
    ForeachSpec spec;
    spec.name = "family";
    spec.command = {"echo"};
    spec.inputs = {"one", "two"};
    ForeachJob run(repository(), spec);
    JobInfo parent = run.run({});
    ASSERT_EQ(parent.state, JobState::completed);
    std::string received;
    auto receive_and_remove = [&] {
        receive_output(repository(), parent.id, {}, [&](OutputStream, std::string_view bytes) {
            if (received.empty()) remove_job(repository(), parent.id);  // mid-way, after the first child's
            received.append(bytes);
        });
    };
    try {
        receive_and_remove();
        FAIL() << "received only \"" << received << "\" and was not told";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::job_not_found) << error.what();
    }
    EXPECT_EQ(received, "one\n");
    EXPECT_FALSE(repository().find(parent.id));
}

}  // namespace
}  // namespace jobctl::test
