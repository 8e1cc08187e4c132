// The worker's command line: what the launcher writes, the worker reads
// back the same, limits included.

#include "process_jobs/worker_arguments.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace jobctl::detail {
namespace {

std::optional<WorkerArguments> round_trip(const WorkerArguments& arguments) {
    std::vector<std::string> argv = to_worker_argv("jobctl-worker", arguments);
    std::vector<const char*> raw;
    for (const std::string& argument : argv) raw.push_back(argument.c_str());
    return parse_worker_argv(static_cast<int>(raw.size()), raw.data());
}

TEST(WorkerArguments, EveryOptionComesBackTheSame) {
    WorkerArguments sent;
    sent.repository = "ci";
    sent.job = 42;
    sent.run.cwd = "/tmp";
    sent.run.env = {"A=1", "B=two words"};
    sent.run.timeout = std::chrono::milliseconds(1500);
    sent.run.memory_limit_bytes = 512u << 20;
    sent.run.cpu_limit = 0.5;
    sent.run.process_limit = 100;
    sent.start_when.after = {3, 4};
    sent.start_when.queue = "q";
    sent.command = {"sh", "-c", "echo --job 7"};
    std::optional<WorkerArguments> read = round_trip(sent);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->job, 42u);
    EXPECT_EQ(read->run.env, sent.run.env);
    EXPECT_EQ(read->run.timeout, sent.run.timeout);
    EXPECT_EQ(read->run.memory_limit_bytes, sent.run.memory_limit_bytes);
    EXPECT_EQ(read->run.cpu_limit, 0.5);
    EXPECT_EQ(read->run.process_limit, 100u);
    EXPECT_EQ(read->start_when.after, sent.start_when.after);
    EXPECT_EQ(read->command, sent.command);
}

// A worker started before its job is registered reads the id from a
// descriptor, and the copy of stdin from the job's folder.
TEST(WorkerArguments, AJobToBeToldComesBackTheSame) {
    WorkerArguments sent;
    sent.repository = "ci";
    sent.job_fd = 3;
    sent.stdin_spooled = true;
    sent.command = {"cat"};
    std::optional<WorkerArguments> read = round_trip(sent);
    ASSERT_TRUE(read.has_value());
    EXPECT_EQ(read->job, 0u);
    EXPECT_EQ(read->job_fd, 3);
    EXPECT_TRUE(read->stdin_spooled);
}

TEST(WorkerArguments, AJobAndAJobDescriptorAreNotBothAWorkersArgument) {
    const char* both[] = {"jobctl-worker", "--repository", "r", "--job", "1", "--job-fd", "3", "--", "true"};
    EXPECT_FALSE(parse_worker_argv(9, both).has_value());
    const char* neither[] = {"jobctl-worker", "--repository", "r", "--", "true"};
    EXPECT_FALSE(parse_worker_argv(5, neither).has_value());
}

TEST(WorkerArguments, ABadLimitIsNotAWorkersArgument) {
    const char* argv[] = {"jobctl-worker", "--repository", "r", "--job", "1", "--pids-max", "x", "--",
                          "true"};
    EXPECT_FALSE(parse_worker_argv(9, argv).has_value());
}

}  // namespace
}  // namespace jobctl::detail
