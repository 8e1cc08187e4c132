// run_program's own errors, as any caller gets them (the Slurm and crontab
// callers add their hints; slurm_command_test runs the rest through Slurm's).

#include "jobctl/program_run.hpp"

#include <gtest/gtest.h>

#include <chrono>

#include "jobctl/error.hpp"

namespace jobctl {
namespace {

using namespace std::chrono_literals;

TEST(ProgramRun, OverrunningTheDeadlineIsATimeout) {
    try {
        run_program({"sleep", "30"}, {.deadline = 200ms});
        FAIL() << "no deadline";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::timeout);
        EXPECT_STREQ(error.what(), "sleep: no answer within 200ms, so it was stopped");
    }
}

TEST(ProgramRun, AMissingProgramSaysWhatToInstall) {
    try {
        run_program({"jobctl-no-such-program"}, {.not_found_hint = "install the package 'x'"});
        FAIL() << "found";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::program_not_found);
        EXPECT_STREQ(error.what(), "jobctl-no-such-program not found on PATH: install the package 'x'");
    }
    EXPECT_THROW(run_program({}), Error);
}

TEST(ProgramRun, TheExitStatusIsAResultNotAnError) {
    ProgramResult result = run_program({"sh", "-c", "cat; echo oops >&2; exit 5"}, {.input = "in\n"});
    EXPECT_EQ(result.program, "sh");
    EXPECT_EQ(result.out, "in\n");
    EXPECT_EQ(result.err, "oops\n");
    EXPECT_EQ(result.exit_status, 5);
    EXPECT_FALSE(result.succeeded());
}

}  // namespace
}  // namespace jobctl
