// The thread-job example of docs/library.md, run as a user would.

#include <filesystem>
#include <fstream>

#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Example = JobctlTest;

TEST_F(Example, ChecksumExampleHashesFilesAndCleansUp) {
    std::string file =
        std::filesystem::temp_directory_path() / ("jobctl-example-" + std::to_string(::getpid()));
    {
        std::ofstream out(file);
        out << "a";
    }
    CliResult result = CliProcess({bin_dir() + "/jobctl-example-checksum", file}).finish();
    std::filesystem::remove(file);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "af63dc4c8601ec8c  " + file + "\n");  // FNV-1a of "a"
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(Example, ChecksumExampleReportsAFailedJob) {
    CliResult result = CliProcess({bin_dir() + "/jobctl-example-checksum", "/no/such/file"}).finish();
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("Failed: cannot read /no/such/file"), std::string::npos) << result.err;
}

}  // namespace
}  // namespace jobctl::test
