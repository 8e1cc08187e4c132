// --cwd, --env, --clear-env and --stdin on start, run and foreach: they
// take effect, bad values are refused before anything is registered, and a
// foreach child whose folder or stdin turns out bad fails alone.

#include <filesystem>
#include <fstream>

#include "jobctl_test.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

namespace fs = std::filesystem;

class RunOptionsTest : public JobctlTest {
protected:
    // The test's own folders (inside its jobctl home, removed with it).
    std::string base() { return (fs::path(home()) / "work").string(); }
    std::string folder(const std::string& name) {
        fs::path path = fs::path(base()) / name;
        fs::create_directories(path);
        return path.string();
    }
    void write(const std::string& path, const std::string& text) { std::ofstream(path) << text; }
    // `jobctl start -q ARGS...` (options, "--", the command); 0 if it failed.
    JobId start_job(const std::vector<std::string>& args) {
        std::vector<std::string> all{"start", "-q"};
        all.insert(all.end(), args.begin(), args.end());
        CliResult result = jobctl(all);
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.exit_code == 0 ? static_cast<JobId>(std::stoul(result.out)) : 0;
    }
    std::string output_of(JobId id) {
        if (id == 0) return "(not started)";
        EXPECT_EQ(wait_until_finished(id).state, JobState::completed) << repository().find(id)->reason;
        return jobctl({"receive", std::to_string(id)}).out;
    }
};

std::size_t lines_in(const std::string& text) {
    return static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
}

TEST_F(RunOptionsTest, StartRunsInTheFolderWithTheEnvironmentAndStdinGiven) {
    std::string work = folder("a");
    write(work + "/in.txt", "from a file\n");
    JobId id = start_job({"--cwd", work, "--", "pwd"});
    EXPECT_EQ(output_of(id), work + "\n");
    EXPECT_EQ(repository().find(id)->cwd, work);
    EXPECT_NE(jobctl({"get", "--json", std::to_string(id)}).out.find("\"cwd\": \"" + work + "\""),
              std::string::npos);

    // A relative folder is the caller's; the job records it absolute.
    CliResult relative = shell("cd " + home() + " && jobctl start -q --cwd work/a/ -- pwd");
    ASSERT_EQ(relative.exit_code, 0) << relative.err;
    id = static_cast<JobId>(std::stoul(relative.out));
    EXPECT_EQ(output_of(id), work + "\n");
    EXPECT_EQ(repository().find(id)->cwd, work);

    id = start_job({"--env", "A=1", "--env", "B=x=y", "--env", "A=2", "--", "sh", "-c", "echo $A $B"});
    EXPECT_EQ(output_of(id), "2 x=y\n");
    // Without PATH the program is still found (/usr/local/bin:/usr/bin:/bin).
    id = start_job({"--clear-env", "--env", "ONLY=1", "--", "env"});
    EXPECT_EQ(output_of(id), "ONLY=1\n");
    id = start_job({"--stdin", work + "/in.txt", "--", "cat"});
    EXPECT_EQ(output_of(id), "from a file\n");
    id = start_job({"--", "cat"});  // the default stays /dev/null
    EXPECT_EQ(output_of(id), "");
}

TEST_F(RunOptionsTest, ProgramIsFoundAsTheCommandWillFindIt) {
    std::string work = folder("bin");
    write(work + "/hello", "#!/bin/sh\necho hello from $(pwd -P)\n");
    fs::permissions(work + "/hello", fs::perms::owner_all);
    // A relative program path is relative to --cwd, a program name found along --env PATH.
    EXPECT_EQ(output_of(start_job({"--cwd", work, "--", "./hello"})), "hello from " + work + "\n");
    EXPECT_EQ(output_of(start_job({"--env", "PATH=" + work + ":/usr/bin:/bin", "--", "hello"})),
              "hello from " + fs::current_path().string() + "\n");
    CliResult result = jobctl({"start", "--", "./hello"});
    EXPECT_EQ(result.exit_code, 8) << result.err;
    result = jobctl({"start", "--env", "PATH=/no/such/folder", "--", "ls"});
    EXPECT_EQ(result.exit_code, 8) << result.err;
    EXPECT_EQ(result.err, "jobctl: cannot run 'ls': no such executable file on PATH\n");
    EXPECT_EQ(repository().list().size(), 2u);
}

TEST_F(RunOptionsTest, StartStdinDashReadsTheCallersStdinFirst) {
    CliResult result = shell("printf 'one\\ntwo\\n' | jobctl start -q --stdin - -- cat");
    ASSERT_EQ(result.exit_code, 0) << result.err;
    JobId id = static_cast<JobId>(std::stoul(result.out));
    EXPECT_EQ(output_of(id), "one\ntwo\n");
    fs::path copy = detail::table_of(repository()).job_directory(id) / "stdin";
    EXPECT_TRUE(fs::exists(copy));
    EXPECT_EQ(jobctl({"remove", std::to_string(id)}).exit_code, 0);
    EXPECT_FALSE(fs::exists(copy));  // removed with the job
}

// A stop while start still copies an endless stdin ends the copy: the job
// is stopped before it starts, and start returns.
TEST_F(RunOptionsTest, AStopEndsTheCopyOfAnEndlessStdin) {
    CliProcess starting({"sh", "-c", "yes | jobctl start -q --stdin - -- wc -c"});
    const JobId id = 1;  // the test's own repository: its first job
    wait_for(id, [](const JobInfo&) { return true; });
    EXPECT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
    CliResult started = starting.finish();
    EXPECT_EQ(started.exit_code, 0) << started.err;
    EXPECT_EQ(started.out, "1\n");
}

TEST_F(RunOptionsTest, RunTakesTheOptions) {
    std::string work = folder("r");
    write(work + "/in.txt", "input\n");
    CliResult result = jobctl({"run", "--cwd", work, "--env", "A=1", "--stdin", work + "/in.txt", "--", "sh",
                               "-c", "pwd; echo $A; cat"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, work + "\n1\ninput\n");
    result = shell("printf 'piped\\n' | jobctl run --stdin - -- cat");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "piped\n");
}

// The command answers the first line before the second is written: had run
// read its stdin to the end first, this would never finish.
TEST_F(RunOptionsTest, RunStdinDashIsLive) {
    std::string fifo = folder("live") + "/ack";
    ASSERT_EQ(shell("mkfifo " + fifo).exit_code, 0);
    CliResult result =
        shell("{ echo first; read ack < " + fifo +
              "; echo second; } | timeout 60 jobctl run --stdin - -- sh -c 'read a; echo ack > " + fifo +
              "; read b; echo $a $b'");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "first second\n");
}

TEST_F(RunOptionsTest, ForeachReplacesThePlaceholderInTheOptions) {
    std::string base = this->base();
    for (std::string name : {"x", "y"}) write(folder(name) + "/in", "in " + name + "\n");
    CliResult result = jobctl({"foreach", "--keep-jobs", "--cwd", base + "/{}", "--env", "N=n{}", "--stdin",
                               base + "/{}/in", "--", "sh", "-c", "echo $(pwd) $N $(cat)", ":::", "x", "y"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    // "{}" in the options counts: the input is not appended to the command.
    EXPECT_EQ(result.out, base + "/x nx in x\n" + base + "/y ny in y\n");
    EXPECT_EQ(repository().find(2)->cwd, base + "/x");  // the children record their folders
    EXPECT_EQ(repository().find(3)->cwd, base + "/y");
}

TEST_F(RunOptionsTest, ForeachChildWithABadFolderOrStdinFailsAlone) {
    std::string base = this->base();
    folder("x");
    write(base + "/x.txt", "x\n");
    CliResult result = jobctl({"foreach", "--cwd", base + "/{}", "--", "pwd", ":::", "x", "missing"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out, base + "/x\n");
    EXPECT_NE(result.err.find("Failed: cannot enter " + base + "/missing: No such file or directory"),
              std::string::npos)
        << result.err;
    result = jobctl({"foreach", "--stdin", base + "/{}.txt", "--", "cat", ":::", "x", "missing"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_EQ(result.out, "x\n");
    EXPECT_NE(
        result.err.find("Failed: cannot open " + base + "/missing.txt as stdin: No such file or directory"),
        std::string::npos)
        << result.err;
}

TEST_F(RunOptionsTest, BadValuesAreRefusedBeforeAnythingIsRegistered) {
    std::string work = folder("bad");
    write(work + "/file", "");
    const std::vector<std::vector<std::string>> bad = {
        {"--cwd", "/no/such/folder"}, {"--cwd", work + "/file"}, {"--env", "NOEQUALS"},
        {"--env", "=value"},          {"--env", "1A=b"},         {"--env", "A-B=c"},
        {"--stdin", "/no/such/file"}, {"--stdin", work},         {"--cwd", "/no/{}"},
    };
    for (const char* verb : {"start", "run", "foreach"}) {
        for (const auto& options : bad) {
            if (options[1] == "/no/{}" && std::string(verb) == "foreach") continue;  // each child's
            std::vector<std::string> args{verb};
            args.insert(args.end(), options.begin(), options.end());
            args.insert(args.end(), {"--", "true"});
            if (std::string(verb) == "foreach") args.insert(args.end(), {":::", "1"});
            CliResult result = jobctl(args);
            EXPECT_EQ(result.exit_code, 2)
                << verb << ' ' << options[0] << ' ' << options[1] << ": " << result.err;
            EXPECT_EQ(lines_in(result.err), 1u) << result.err;
            EXPECT_TRUE(repository().list().empty()) << verb << ' ' << options[1];
        }
    }
    CliResult result = jobctl({"foreach", "--stdin", "-", "--", "cat", ":::", "1"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_EQ(lines_in(result.err), 1u) << result.err;
    EXPECT_EQ(jobctl({"start", "--cwd", "/no/such/folder", "--", "true"}).err,
              "jobctl: cannot use /no/such/folder as the working folder: No such file or directory\n");
    EXPECT_EQ(jobctl({"run", "--stdin", "/no/such/file", "--", "true"}).err,
              "jobctl: cannot read /no/such/file as stdin: No such file or directory\n");
    EXPECT_TRUE(repository().list().empty());
}

}  // namespace
}  // namespace jobctl::test
