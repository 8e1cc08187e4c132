// The batch script jobctl submits, run here with /bin/sh as Slurm would run
// it: argv arrives exactly (quotes, spaces, $, backslashes, newlines, an
// empty word), settings are exported, and the status file gets $?.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "jobctl/error.hpp"
#include "slurm/batch_script.hpp"
#include "slurm/slurm_command.hpp"

namespace jobctl {
namespace {

using detail::array_batch_script;
using detail::batch_script;
using detail::BatchCommand;

const std::vector<std::string> kNastyWords{"it's",       "two  spaces",
                                           "$HOME",      "$(echo no)",
                                           "`echo no`",  "back\\slash\\",
                                           "new\nline",  "",
                                           "\"double\"", "'",
                                           "*",          "-n",
                                           "a=b",        "tab\there",
                                           "%s \\n",     "é ünïcode",
                                           ";exit 9;",   "#SBATCH --job-name=evil"};

std::string bracketed(const std::vector<std::string>& words) {
    std::string text;
    for (const std::string& word : words) text += "[" + word + "]\n";
    return text;
}

std::vector<std::string> printf_argv(const std::vector<std::string>& words) {
    std::vector<std::string> argv{"printf", "[%s]\\n"};
    argv.insert(argv.end(), words.begin(), words.end());
    return argv;
}

class SlurmBatchScript : public ::testing::Test {
protected:
    void SetUp() override {
        char pattern[] = "/tmp/jobctl-batch-script-test-XXXXXX";
        directory_ = ::mkdtemp(pattern);
        directory_ /= "it's a dir";  // a status path that needs quoting too
        std::filesystem::create_directory(directory_);
    }
    void TearDown() override { std::filesystem::remove_all(directory_.parent_path()); }

    // Runs `script` with /bin/sh, as slurmstepd would (with the task id of an array job, if given).
    ProgramResult run(const std::string& script, const std::string& task_id = {}) {
        std::filesystem::path file = directory_ / "script.sh";
        std::ofstream(file) << script;
        std::vector<std::string> argv{"env", "SLURM_ARRAY_TASK_ID=" + task_id, "/bin/sh", file.string()};
        if (task_id.empty()) argv.erase(argv.begin(), argv.begin() + 2);
        return detail::run_slurm_command(argv);
    }

    std::string read(const std::filesystem::path& file) {
        std::ifstream in(file);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    std::filesystem::path directory_;
};

TEST_F(SlurmBatchScript, HasTheShapeSlurmNeeds) {
    std::string script = batch_script({{"true"}, {"A=1"}, "/s/status"});
    EXPECT_EQ(script,
              "#!/bin/sh\n"
              "# jobctl job\n"
              "export A='1'\n"
              "trap : HUP INT TERM USR1 USR2\n"
              "( exec 'true' )\n"
              "status=$?\n"
              "printf '%s\\n' \"$status${SLURMD_NODENAME:+ $SLURMD_NODENAME}\" > '/s/status.tmp' && mv -f "
              "'/s/status.tmp' '/s/status'\n"
              "exit $status\n");
}

TEST_F(SlurmBatchScript, ArgvArrivesExactly) {
    auto status = directory_ / "status";
    ProgramResult result = run(batch_script({printf_argv(kNastyWords), {}, status.string()}));
    EXPECT_EQ(result.out, bracketed(kNastyWords));
    EXPECT_EQ(result.err, "");
    EXPECT_EQ(result.exit_status, 0);
    EXPECT_EQ(read(status), "0\n");
    EXPECT_FALSE(std::filesystem::exists(directory_ / "status.tmp"));
}

TEST_F(SlurmBatchScript, SettingsAreExportedExactly) {
    auto status = directory_ / "status";
    std::vector<std::string> environment{"A=it's $HOME", "B=line\nbreak \\", "EMPTY=", "C=x=y"};
    ProgramResult result =
        run(batch_script({{"sh", "-c", "printf '[%s]\\n' \"$A\" \"$B\" \"${EMPTY-unset}\" \"$C\""},
                          environment,
                          status.string()}));
    EXPECT_EQ(result.out, bracketed({"it's $HOME", "line\nbreak \\", "", "x=y"}));
}

TEST_F(SlurmBatchScript, StatusFileHoldsTheExitStatus) {
    auto status = directory_ / "status";
    EXPECT_EQ(run(batch_script({{"sh", "-c", "exit 3"}, {}, status.string()})).exit_status, 3);
    EXPECT_EQ(read(status), "3\n");
    EXPECT_EQ(run(batch_script({{"sh", "-c", "kill -9 $$"}, {}, status.string()})).exit_status, 137);
    EXPECT_EQ(read(status), "137\n");
}

// `scancel --signal=TERM --full` signals the script's shell as well as the command.
TEST_F(SlurmBatchScript, ShellSurvivesTheCommandsSignalsToWriteItsStatus) {
    auto status = directory_ / "status";
    std::string command = "trap 'exit 6' TERM; kill -TERM $PPID; kill -TERM $$";
    EXPECT_EQ(run(batch_script({{"sh", "-c", command}, {}, status.string()})).exit_status, 6);
    EXPECT_EQ(read(status), "6\n");
    EXPECT_EQ(
        run(batch_script({{"sh", "-c", "kill -TERM $PPID; kill -TERM $$"}, {}, status.string()})).exit_status,
        128 + 15);
    EXPECT_EQ(read(status), "143\n");
}

// As execvp runs it: a shell builtin is no program, so the shell survives
// `exit` and `exec` as commands.
TEST_F(SlurmBatchScript, CommandRunsAsAProgramNeverAsABuiltin) {
    auto status = directory_ / "status";
    EXPECT_EQ(run(batch_script({{"exit", "4"}, {}, status.string()})).exit_status, 127);
    EXPECT_EQ(read(status), "127\n");
    EXPECT_EQ(run(batch_script({{"a=b"}, {}, status.string()})).exit_status, 127);
    EXPECT_EQ(read(status), "127\n");
}

TEST_F(SlurmBatchScript, RefusesWhatCannotBeRun) {
    EXPECT_THROW(batch_script({{}, {}, "/s"}), Error);
    EXPECT_THROW(batch_script({{"true"}, {}, ""}), Error);
    EXPECT_THROW(batch_script({{"-x"}, {}, "/s"}), Error);
    EXPECT_THROW(batch_script({{"true"}, {"1A=x"}, "/s"}), Error);
    EXPECT_THROW(batch_script({{"true"}, {"NOEQUALS"}, "/s"}), Error);
    EXPECT_THROW(array_batch_script({{"true"}}, {}, "/s/status"), Error);  // no %a
    EXPECT_THROW(array_batch_script({}, {}, "/s/status.%a"), Error);
    EXPECT_THROW(array_batch_script({{"true"}, {}}, {}, "/s/status.%a"), Error);
}

TEST_F(SlurmBatchScript, ArrayTaskRunsItsOwnArgv) {
    std::vector<std::vector<std::string>> tasks{
        printf_argv({"task zero"}), printf_argv(kNastyWords), {"sh", "-c", "echo \"$GREETING\"; exit 5"}};
    std::string pattern = (directory_ / "status.%a").string();
    std::string script = array_batch_script(tasks, {"GREETING=hello 'there'"}, pattern);

    ProgramResult zero = run(script, "0");
    EXPECT_EQ(zero.out, "[task zero]\n");
    EXPECT_EQ(read(directory_ / "status.0"), "0\n");

    ProgramResult one = run(script, "1");
    EXPECT_EQ(one.out, bracketed(kNastyWords));
    EXPECT_EQ(one.exit_status, 0);
    EXPECT_EQ(read(directory_ / "status.1"), "0\n");

    ProgramResult two = run(script, "2");
    EXPECT_EQ(two.out, "hello 'there'\n");
    EXPECT_EQ(two.exit_status, 5);
    EXPECT_EQ(read(directory_ / "status.2"), "5\n");
    EXPECT_FALSE(std::filesystem::exists(directory_ / "status.2.tmp"));
}

TEST_F(SlurmBatchScript, ArrayTaskWithoutACommandFailsWithStatus2) {
    std::string script = array_batch_script({{"true"}}, {}, (directory_ / "status.%a").string());
    ProgramResult result = run(script, "7");
    EXPECT_EQ(result.exit_status, 2);
    EXPECT_EQ(result.err, "jobctl: no task 7\n");
    EXPECT_FALSE(std::filesystem::exists(directory_ / "status.7"));
}

TEST_F(SlurmBatchScript, EveryPlaceholderInThePatternBecomesTheTaskId) {
    std::filesystem::create_directory(directory_ / "task-3");
    std::string pattern = (directory_ / "task-%a" / "status.%a").string();
    run(array_batch_script({{"true"}, {"true"}, {"true"}, {"false"}}, {}, pattern), "3");
    EXPECT_EQ(read(directory_ / "task-3" / "status.3"), "1\n");
}

}  // namespace
}  // namespace jobctl
