// Running a Slurm client program: output of both streams, stdin, exit
// status, the deadline (killed and reaped), a missing program, and Slurm's
// one-line message from real stderr text.

#include "slurm/slurm_command.hpp"

#include <dirent.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl {
namespace {

using detail::run_slurm_command;
using detail::slurm_message;
using namespace std::chrono_literals;

// Our children, zombies included, from /proc (field 4 of stat is the
// parent). Other tests of this program make it a subreaper: what the
// command started would come back to it, so the command here starts nothing.
int child_count() {
    int count = 0;
    DIR* proc = ::opendir("/proc");
    while (dirent* entry = ::readdir(proc)) {
        std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
        std::string pid, comm, state;
        int parent = 0;
        if (stat >> pid >> comm >> state >> parent && parent == ::getpid()) ++count;
    }
    ::closedir(proc);
    return count;
}

TEST(SlurmCommand, CapturesBothStreamsAndTheExitStatus) {
    ProgramResult result = run_slurm_command({"sh", "-c", "echo out; echo err >&2; exit 3"});
    EXPECT_EQ(result.program, "sh");
    EXPECT_EQ(result.out, "out\n");
    EXPECT_EQ(result.err, "err\n");
    EXPECT_EQ(result.exit_status, 3);
    EXPECT_FALSE(result.succeeded());
}

TEST(SlurmCommand, FeedsTheInputOnStdin) {
    std::string script = "#!/bin/sh\nline 'with quotes'\n";
    EXPECT_EQ(run_slurm_command({"cat"}, {.input = script}).out, script);
    EXPECT_EQ(run_slurm_command({"cat"}).out, "");  // no input: /dev/null
}

TEST(SlurmCommand, ReadsLargeOutputOnBothStreamsWithoutDeadlock) {
    // 4 MiB on each stream, more than any pipe holds: one stream left
    // unread would block the program forever.
    auto result = run_slurm_command(
        {"sh", "-c", "head -c 4194304 /dev/zero; head -c 4194304 /dev/zero >&2; head -c 10 /dev/zero"});
    EXPECT_EQ(result.out.size(), 4194304u + 10u);
    EXPECT_EQ(result.err.size(), 4194304u);
    EXPECT_EQ(result.exit_status, 0);
}

TEST(SlurmCommand, LargeInputThatIsNeverReadDoesNotHang) {
    std::string input(8 << 20, 'x');  // sbatch refusing an option reads none of its script
    auto result = run_slurm_command({"sh", "-c", "exit 1"}, {.input = input});
    EXPECT_EQ(result.exit_status, 1);
}

TEST(SlurmCommand, AProgramKilledBySignalReports128PlusTheSignal) {
    EXPECT_EQ(run_slurm_command({"sh", "-c", "kill -9 $$"}).exit_status, 128 + 9);
}

TEST(SlurmCommand, OverrunningTheDeadlineKillsAndReapsIt) {
    int children_before = child_count();
    auto start = std::chrono::steady_clock::now();
    try {
        run_slurm_command({"sleep", "30"}, {.deadline = 300ms});
        FAIL() << "no deadline";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::cluster);
        EXPECT_STREQ(error.what(),
                     "sleep: no answer within 300ms, so it was stopped: is the Slurm controller reachable?");
    }
    EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
    EXPECT_EQ(child_count(), children_before);  // no zombie
}

TEST(SlurmCommand, AMissingProgramIsProgramNotFoundInOneLine) {
    try {
        run_slurm_command({"jobctl-no-such-sbatch"});
        FAIL() << "found";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::program_not_found);
        EXPECT_STREQ(error.what(),
                     "jobctl-no-such-sbatch not found on PATH: is Slurm's client (package slurm-client) "
                     "installed?");
    }
}

ProgramResult failed(std::string program, std::string err, std::string out = {}) {
    return {std::move(program), 1, std::move(out), std::move(err)};
}

// Real stderr of Slurm 22.05's clients (docs/slurm-notes.md).
TEST(SlurmCommand, MessageIsTheFirstErrorLineWithoutItsPrefix) {
    EXPECT_EQ(slurm_message(
                  failed("sbatch",
                         "sbatch: error: invalid partition specified: nosuch\n"
                         "sbatch: error: Batch job submission failed: Invalid partition name specified\n")),
              "invalid partition specified: nosuch");
    EXPECT_EQ(slurm_message(failed("sbatch",
                                   "sbatch: error: Batch job submission failed: Unable to contact slurm "
                                   "controller (connect failure)\n")),
              "Unable to contact slurm controller (connect failure)");
    EXPECT_EQ(slurm_message(failed("sbatch", "sbatch: error: Invalid --time specification\n")),
              "Invalid --time specification");
    EXPECT_EQ(slurm_message(failed("scontrol", "slurm_load_jobs error: Invalid job id specified\n")),
              "Invalid job id specified");
    EXPECT_EQ(
        slurm_message(failed("scancel",
                             "scancel: error: Kill job error on job id 9: Job/step already completing or "
                             "completed\n")),
        "Kill job error on job id 9: Job/step already completing or completed");
    EXPECT_EQ(slurm_message(failed("sacct", "Slurm accounting storage is disabled\n")),
              "Slurm accounting storage is disabled");
}

TEST(SlurmCommand, MessageSkipsWarningsAndBlankLines) {
    EXPECT_EQ(slurm_message(failed("sbatch", "\nsbatch: warning: something odd\nsbatch: error: it failed\n")),
              "it failed");
    EXPECT_EQ(slurm_message(failed("scontrol", "\n  Access/permission denied for job 12  \n")),
              "Access/permission denied for job 12");
    EXPECT_EQ(slurm_message(failed("sacct", "", "only on stdout\n")), "only on stdout");
    EXPECT_EQ(slurm_message(failed("scancel", "")), "exited with status 1 and said nothing");
}

}  // namespace
}  // namespace jobctl
