// jobctl foreach: one parent, one child per input, run by a thread pool in
// one host process that spawns the commands itself.

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <optional>

#include "jobctl/job_listing.hpp"
#include "jobctl/job_queue.hpp"
#include "jobctl_test.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

using Foreach = JobctlTest;

pid_t parent_pid_of(pid_t pid) {
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), {});
    char state;
    int parent = 0;
    std::sscanf(text.c_str() + text.rfind(')') + 1, " %c %d", &state, &parent);
    return parent;
}

// Where each thread of a host process waits: evidence for a failure report.
std::string host_threads(pid_t host) {
    return shell("for t in /proc/" + std::to_string(host) +
                 "/task/*; do echo \"$t $(cat $t/comm) $(cat $t/wchan)\"; "
                 "cat $t/stack 2>/dev/null | head -5; done")
        .out;
}

// `jobctl foreach --as-job -q ...`: returns the parent's id.
JobId start_detached(const std::vector<std::string>& args) {
    std::vector<std::string> full{"foreach", "--as-job", "-q"};
    full.insert(full.end(), args.begin(), args.end());
    CliResult result = jobctl(full);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    return result.exit_code == 0 ? static_cast<JobId>(std::stoul(result.out)) : 0;
}

TEST_F(Foreach, PrintsEachChildsOutputWholeInInputOrder) {
    // Later inputs finish first; the output still comes in input order.
    CliResult result = jobctl({"foreach", "-j", "4", "--", "sh", "-c",
                               "sleep 0.$((4 - {})); echo {}; echo {}", ":::", "1", "2", "3", "4"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "1\n1\n2\n2\n3\n3\n4\n4\n");
    EXPECT_EQ(result.err, "");  // no progress line when stderr is not a terminal
}

TEST_F(Foreach, ExitStatusAndParentStateDeriveFromChildren) {
    CliResult result = jobctl(
        {"foreach", "--keep-jobs", "--name", "checks", "--", "test", "{}", "!=", "2", ":::", "1", "2", "3"});
    EXPECT_EQ(result.exit_code, 1);
    auto jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[0].name, "checks");
    EXPECT_EQ(jobs[0].state, JobState::failed);
    EXPECT_EQ(jobs[0].reason, "1 of 3 children failed");
    auto children = children_of(jobs, jobs[0].id);
    ASSERT_EQ(children.size(), 3u);
    EXPECT_EQ(children[0].name, "checks:1");
    EXPECT_EQ(children[0].state, JobState::completed);
    EXPECT_EQ(children[1].state, JobState::failed);
    EXPECT_EQ(children[1].reason, "exited with code 1");
    EXPECT_EQ(children[2].state, JobState::completed);
}

TEST_F(Foreach, ForegroundRunLeavesNoJobsBehind) {
    CliResult result = jobctl({"foreach", "--", "echo", ":::", "1", "2"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(Foreach, TerminatingTheDetachedHostStopsTheRunCleanly) {
    JobId parent =
        start_detached({"-j", "2", "--", "sh", "-c", "sleep 100 & sleep 100", ":::", "1", "2", "3"});
    auto children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 3u);
    JobInfo first = wait_for(children[0].id, [](const JobInfo& job) { return job.process_id != 0; });
    ::kill(repository().find(parent)->owner_pid, SIGTERM);
    JobInfo stopped = wait_until_finished(parent);
    EXPECT_EQ(stopped.state, JobState::stopped);
    for (const JobInfo& child : children_of(list_jobs(repository()), parent))
        EXPECT_EQ(child.state, JobState::stopped) << child.name;
    EXPECT_TRUE(wait_for_group_gone(first.process_id)) << "a sleep survived";
}

TEST_F(Foreach, InputsFromStdinAndPlaceholderAppended) {
    CliResult result = shell("printf 'a\\nb c\\n' | jobctl foreach -- echo got");
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "got a\ngot b c\n");
}

TEST_F(Foreach, GetHidesChildrenUnlessAsked) {
    jobctl({"foreach", "--keep-jobs", "--name", "fam", "--", "true", ":::", "1", "2"});
    CliResult plain = jobctl({"get"});
    EXPECT_NE(plain.out.find("fam "), std::string::npos);
    EXPECT_EQ(plain.out.find("fam:1"), std::string::npos);
    CliResult all = jobctl({"get", "--include-children"});
    EXPECT_NE(all.out.find("fam:1"), std::string::npos);
    EXPECT_NE(all.out.find("fam:2"), std::string::npos);
    EXPECT_EQ(jobctl({"get", "fam:2"}).exit_code, 0);  // a child named explicitly is found
}

TEST_F(Foreach, AsJobReturnsAtOnceAndReceivingTheParentYieldsChildrenInOrder) {
    JobId parent = start_detached(
        {"--name", "bg", "-j", "3", "--", "sh", "-c", "echo out {}; echo err {} >&2", ":::", "1", "2", "3"});
    ASSERT_NE(parent, 0u);
    JobInfo info = *repository().find(parent);
    EXPECT_NE(::getsid(info.owner_pid), ::getsid(0));  // a detached host
    EXPECT_EQ(jobctl({"wait", "bg", "--timeout", "30"}).exit_code, 0);
    auto children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 3u);
    EXPECT_TRUE(list_jobs(repository())[0].has_more_data());
    CliResult second = jobctl({"receive", std::to_string(children[1].id)});
    EXPECT_EQ(second.out, "out 2\n");
    EXPECT_EQ(second.err, "err 2\n");
    CliResult rest = jobctl({"receive", "bg"});
    EXPECT_EQ(rest.out, "out 1\nout 3\n");
    EXPECT_EQ(rest.err, "err 1\nerr 3\n");
    EXPECT_FALSE(list_jobs(repository())[0].has_more_data());
}

TEST_F(Foreach, ChildrenAreSpawnedByTheHostNotByWorkers) {
    JobId parent = start_detached({"-j", "2", "--", "sleep", "100", ":::", "1", "2"});
    auto children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 2u);
    for (const JobInfo& child : children) {
        JobInfo running = wait_for(child.id, [](const JobInfo& job) { return job.process_id != 0; });
        EXPECT_EQ(running.owner_pid, repository().find(parent)->owner_pid);
        EXPECT_EQ(parent_pid_of(running.process_id), running.owner_pid);
    }
}

TEST_F(Foreach, StoppingTheParentStopsEveryChild) {
    JobId parent =
        start_detached({"-j", "2", "--", "sh", "-c", "sleep 100 & sleep 100", ":::", "1", "2", "3"});
    auto children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 3u);
    JobInfo first = wait_for(children[0].id, [](const JobInfo& job) { return job.process_id != 0; });
    CliResult stop = jobctl({"stop", std::to_string(parent), "--timeout", "30"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err << jobctl({"get", "--include-children", "--json"}).out
                                 << "host threads:\n"
                                 << host_threads(repository().find(parent)->owner_pid);
    auto jobs = list_jobs(repository());
    EXPECT_EQ(jobs[0].state, JobState::stopped);
    for (const JobInfo& child : children_of(jobs, parent))
        EXPECT_EQ(child.state, JobState::stopped) << child.name;
    EXPECT_TRUE(wait_for_group_gone(first.process_id)) << "a sleep survived";
}

TEST_F(Foreach, KilledHostFailsParentAndChildren) {
    JobId parent = start_detached({"-j", "1", "--", "sleep", "100", ":::", "1", "2"});
    JobInfo info = *repository().find(parent);
    ::kill(info.owner_pid, SIGKILL);
    ::waitpid(info.owner_pid, nullptr, 0);  // we are its subreaper
    for (const JobInfo& job : list_jobs(repository())) {
        EXPECT_EQ(job.state, JobState::failed) << job.name;
        // "; its processes were killed" when the look came before the
        // parent-death signal had ended a child's command.
        EXPECT_TRUE(job.reason.starts_with("host lost")) << job.name << ": " << job.reason;
    }
}

TEST_F(Foreach, RemovingTheParentRemovesItsChildren) {
    jobctl({"foreach", "--keep-jobs", "--name", "gone", "--", "echo", ":::", "1", "2"});
    EXPECT_EQ(jobctl({"remove", "gone"}).exit_code, 0);
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(Foreach, ClosedStdoutStopsTheRun) {
    CliResult result = shell("jobctl foreach -- yes {} ::: a b | head -n 1");
    EXPECT_EQ(result.out, "a\n");
    auto jobs = list_jobs(repository());
    ASSERT_FALSE(jobs.empty());  // a run that did not end normally keeps its jobs
    EXPECT_EQ(jobs[0].state, JobState::stopped);
}

TEST_F(Foreach, AsJobReportsAFullRepositoryWithItsExitCode) {
    ::setenv("JOBCTL_CAPACITY", "2", 1);
    CliResult result = jobctl({"foreach", "--as-job", "--", "true", ":::", "1", "2", "3"});
    ::unsetenv("JOBCTL_CAPACITY");
    EXPECT_EQ(result.exit_code, 7) << result.err;
    EXPECT_NE(result.err.find("full"), std::string::npos) << result.err;
}

// A repository of `capacity` slots, one of them taken by a job that cannot
// be evicted (unfinished; only registered, no one runs it).
void fill_all_but(Repository& repository, std::uint32_t capacity) {
    ASSERT_EQ(repository.capacity(), capacity);
    detail::table_of(repository).add({"busy", JobType::process, "sleep 100"});
}

// The list as ids, names and states: what a refused foreach must not change.
std::vector<std::string> snapshot(Repository& repository) {
    std::vector<std::string> jobs;
    for (const JobInfo& job : repository.list())
        jobs.push_back(std::to_string(job.id) + " " + job.name + " " + std::string(to_string(job.state)));
    return jobs;
}

bool one_line(const std::string& text) {
    return !text.empty() && text.find('\n') == text.size() - 1;
}

TEST_F(Foreach, RunThatDoesNotFitRegistersNothingAndRunsNothing) {
    Repository::open(repository_name(), 4);
    fill_all_but(repository(), 4);  // 3 free: a parent and 2 children
    auto before = snapshot(repository());
    std::string marks = home() + "/ran-";
    for (bool as_job : {false, true}) {
        std::vector<std::string> args{"foreach"};
        if (as_job) args.push_back("--as-job");
        args.insert(args.end(), {"--", "touch", marks + "{}", ":::", "a", "b", "c"});
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 7) << result.err;
        EXPECT_TRUE(one_line(result.err)) << result.err;
        EXPECT_NE(result.err.find("full"), std::string::npos) << result.err;
        EXPECT_NE(result.err.find("a parent and its 3 children need 4 slots"), std::string::npos)
            << result.err;
        EXPECT_EQ(result.out, "");
        EXPECT_EQ(snapshot(repository()), before) << (as_job ? "--as-job" : "foreground");
    }
    for (const char* input : {"a", "b", "c"})
        EXPECT_FALSE(std::filesystem::exists(marks + input)) << "a command ran for " << input;
}

TEST_F(Foreach, RunThatFitsExactlyWorks) {
    Repository::open(repository_name(), 4);
    fill_all_but(repository(), 4);
    CliResult result =
        jobctl({"foreach", "--keep-jobs", "--name", "tight", "--", "echo", ":::", "a", "b", "c"});
    ASSERT_EQ(result.exit_code, 7) << "needs 4 slots, 3 free";
    result = jobctl({"foreach", "--keep-jobs", "--name", "tight", "--", "echo", ":::", "a", "b"});
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "a\nb\n");
    auto jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 4u);
    EXPECT_EQ(jobs[1].name, "tight");
    EXPECT_EQ(jobs[1].state, JobState::completed);
    JobId parent = start_detached({"--name", "tight2", "--", "echo", ":::", "a", "b"});  // evicts "tight"
    EXPECT_EQ(wait_until_finished(parent).state, JobState::completed);
    EXPECT_EQ(children_of(list_jobs(repository()), parent).size(), 2u);
}

// Bounded inputs (`:::`, or stdin from a file) are registered whole before
// anything runs: a table that fills part-way through them takes none.
TEST_F(Foreach, TableFillingPartWayThroughABoundedInputRegistersNothing) {
    Repository::open(repository_name(), 8);
    fill_all_but(repository(), 8);  // 7 free: room for a parent and 6 of the 20 inputs
    auto before = snapshot(repository());
    std::string inputs = home() + "/inputs";
    {
        std::ofstream file(inputs);
        for (int i = 1; i <= 20; ++i) file << i << '\n';
    }
    std::string marks = home() + "/ran-";
    std::vector<std::string> words{"foreach", "-j", "1", "--", "touch", marks + "{}", ":::"};
    for (int i = 1; i <= 20; ++i) words.push_back(std::to_string(i));
    CliResult from_words = jobctl(words);
    EXPECT_EQ(from_words.exit_code, 7) << from_words.err;
    EXPECT_TRUE(one_line(from_words.err)) << from_words.err;
    CliResult from_file = shell("jobctl foreach -j 1 -- touch '" + marks + "{}' < '" + inputs + "'");
    EXPECT_EQ(from_file.exit_code, 7) << from_file.err;
    EXPECT_TRUE(one_line(from_file.err)) << from_file.err;
    EXPECT_EQ(snapshot(repository()), before);
    for (int i = 1; i <= 20; ++i) EXPECT_FALSE(std::filesystem::exists(marks + std::to_string(i))) << i;
}

TEST_F(Foreach, AsJobThatDoesNotFitRegistersNothing) {
    ::setenv("JOBCTL_CAPACITY", "2", 1);
    CliResult result = jobctl({"foreach", "--as-job", "--", "true", ":::", "1", "2"});
    ::unsetenv("JOBCTL_CAPACITY");
    EXPECT_EQ(result.exit_code, 7) << result.err;
    EXPECT_TRUE(one_line(result.err)) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

// `jobctl foreach` reading a FIFO that the test writes to: inputs that
// arrive over time.
class StreamingForeach : public JobctlTest {
protected:
    void start_run(const std::string& arguments) {
        fifo_ = home() + "/inputs";
        ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
        run_.emplace(
            std::vector<std::string>{"sh", "-c", "exec jobctl foreach " + arguments + " < " + fifo_});
        writer_ = ::open(fifo_.c_str(), O_WRONLY | O_CLOEXEC);  // once the shell has opened it
        ASSERT_GE(writer_, 0);
    }
    // One write: the run takes these lines as one batch.
    void send(const std::string& lines) {
        ASSERT_EQ(::write(writer_, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
    }
    void end_input() {
        if (writer_ >= 0) ::close(writer_);
        writer_ = -1;
    }
    CliResult finish() {
        CliResult result = run_->finish();
        end_input();
        return result;
    }
    void TearDown() override {
        end_input();
        run_.reset();
        JobctlTest::TearDown();
    }

    std::string fifo_;
    std::optional<CliProcess> run_;
    int writer_ = -1;
};

TEST_F(StreamingForeach, RegistersInputsAsTheyArrive) {
    start_run("--keep-jobs --name live -- echo got");
    send("a\n");
    // The first child runs to its end while the input is still open.
    JobId parent = 1, first = 2;
    EXPECT_EQ(wait_until_finished(first).state, JobState::completed);
    EXPECT_FALSE(repository().find(parent)->finished());
    send("b\nc\n");
    EXPECT_EQ(wait_until_finished(first + 2).name, "live:3");
    end_input();
    CliResult result = finish();
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, "got a\ngot b\ngot c\n");
    EXPECT_EQ(children_of(list_jobs(repository()), parent).size(), 3u);
}

TEST_F(StreamingForeach, TableFillingMidRunStopsTakingInputAndFailsTheParent) {
    Repository::open(repository_name(), 4);
    start_run("--name live -- echo got");
    send("a\n");
    JobId parent = 1, first = 2;
    EXPECT_EQ(wait_until_finished(first).state, JobState::completed);
    send("b\nc\nd\n");  // 3 more, 2 free: not one of them is registered
    CliResult result = finish();
    EXPECT_EQ(result.exit_code, 7) << result.err;
    EXPECT_TRUE(one_line(result.err)) << result.err;
    EXPECT_NE(result.err.find("after 1 input"), std::string::npos) << result.err;
    EXPECT_EQ(result.out, "got a\n");
    auto jobs = list_jobs(repository());  // kept, as after any run that did not end normally
    ASSERT_EQ(jobs.size(), 2u);
    EXPECT_EQ(jobs[0].id, parent);
    EXPECT_EQ(jobs[0].state, JobState::failed);
    EXPECT_EQ(jobs[0].reason, "repository full after 1 input; the rest of the input was not read");
    EXPECT_EQ(jobs[1].state, JobState::completed);
}

TEST_F(StreamingForeach, StoppingTheParentEndsTheWaitForInput) {
    start_run("--keep-jobs --name live -- echo got");
    send("a\n");
    JobId parent = 1;
    EXPECT_EQ(wait_until_finished(parent + 1).state, JobState::completed);
    CliResult stop = jobctl({"stop", "live", "--timeout", "30"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    CliResult result = finish();  // the input is still open
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_EQ(result.out, "got a\n");
    EXPECT_EQ(repository().find(parent)->state, JobState::stopped);
}

// Found by the command-line fuzzer: a run whose children failed exited 1
// and said nothing, not even that a child's program could not be run.
TEST_F(Foreach, NamesTheChildrenThatFailedAndWhy) {
    CliResult result = jobctl({"foreach", "--", "sh", "-c", "exit $0", ":::", "0", "3"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find(":2) Failed: exited with code 3\n"), std::string::npos) << result.err;
    EXPECT_EQ(result.err.find(":1)"), std::string::npos) << result.err;
    result = jobctl({"foreach", "--", "{}", ":::", "/no/such/program"});
    EXPECT_EQ(result.exit_code, 1);
    EXPECT_NE(result.err.find("Failed: exec failed: No such file or directory"), std::string::npos)
        << result.err;
    EXPECT_EQ(jobctl({"foreach", "-q", "--", "false", ":::", "x"}).err, "");  // -q: the exit code only
}

TEST_F(Foreach, BadInputChangesNothing) {
    EXPECT_EQ(jobctl({"foreach", "--", "/no/such/program", ":::", "1"}).exit_code, 8);
    EXPECT_EQ(jobctl({"foreach", "-j", "0", "--", "true", ":::", "1"}).exit_code, 2);
    EXPECT_EQ(jobctl({"foreach", "--name", std::string(64, 'x'), "--", "true", ":::", "1"}).exit_code, 2);
    EXPECT_TRUE(repository().list().empty());
}

// A run's -j changed while it runs (queue --job): raised, that many run at
// once; 0, the running ones finish and no more start; raised again, the
// rest run. Each child waits for a file the test makes.
TEST_F(Foreach, ItsThrottleChangesWhileItRuns) {
    const std::string release = home() + "/release";
    JobId parent = start_detached({"--name", "files", "-j", "1", "--", "sh", "-c",
                                   "while [ ! -e " + release + " ]; do sleep 0.02; done", ":::", "1", "2",
                                   "3", "4", "5", "6"});
    ASSERT_NE(parent, 0u);
    auto started = [&](JobId child) {
        return wait_for(child, [](const JobInfo& job) { return job.process_id != 0; }).process_id != 0;
    };
    auto count_started = [&] {
        int count = 0;
        for (const JobInfo& child : children_of(repository(), parent)) count += child.process_id != 0;
        return count;
    };
    ASSERT_TRUE(started(parent + 1));

    CliResult raised = jobctl({"queue", "--job", "files", "--slots", "3"});
    ASSERT_EQ(raised.exit_code, 0) << raised.err;
    EXPECT_EQ(raised.out, "job " + std::to_string(parent) + " (files): at most 3 children at once\n");
    ASSERT_TRUE(started(parent + 2));
    ASSERT_TRUE(started(parent + 3));
    EXPECT_EQ(count_started(), 3) << "three at once, no more";
    EXPECT_NE(jobctl({"get", "--json", "files"}).out.find("\"throttle_limit\": 3"), std::string::npos);

    CliResult paused = jobctl({"queue", "--job", std::to_string(parent), "--slots", "0"});
    ASSERT_EQ(paused.exit_code, 0) << paused.err;
    EXPECT_NE(paused.out.find("paused"), std::string::npos) << paused.out;
    std::ofstream(release) << "go\n";
    for (JobId child : {parent + 1, parent + 2, parent + 3})
        EXPECT_EQ(wait_until_finished(child).state, JobState::completed);
    EXPECT_EQ(count_started(), 3) << "paused: no child started after the three";
    EXPECT_FALSE(repository().find(parent)->finished());

    ASSERT_EQ(jobctl({"queue", "--job", "files", "--slots", "2"}).exit_code, 0);
    JobInfo done = wait_until_finished(parent);
    EXPECT_EQ(done.state, JobState::completed) << done.reason;
    EXPECT_EQ(count_started(), 6);
    CliResult late = jobctl({"queue", "--job", "files", "--slots", "4"});
    EXPECT_EQ(late.exit_code, 0);
    EXPECT_EQ(late.out, "job " + std::to_string(parent) + " (files) has finished: nothing to change\n");
}

// A raise needs room under the host's open-file limit, as foreach -j does.
TEST_F(Foreach, ARaisedThrottleMustFitTheHostsOpenFileLimit) {
    const std::string release = home() + "/release";
    CliResult started = shell("ulimit -n 256 && jobctl foreach --as-job -q -j 1 -- sh -c 'while [ ! -e " +
                              release + " ]; do sleep 0.02; done' ::: 1 2");
    ASSERT_EQ(started.exit_code, 0) << started.err;
    const std::string parent = lines_of(started.out).at(0);
    CliResult refused = jobctl({"queue", "--job", parent, "--slots", "100"});
    EXPECT_EQ(refused.exit_code, 2);
    EXPECT_NE(refused.err.find("-j 100 needs"), std::string::npos) << refused.err;
    EXPECT_NE(refused.err.find("(ulimit -Hn)"), std::string::npos) << refused.err;
    EXPECT_NE(jobctl({"get", "--json", parent}).out.find("\"throttle_limit\": 1,"), std::string::npos);
    // Raised by a process that cannot see the host (another pid namespace;
    // here the library, which leaves the check to the host): the host cuts
    // it to what its hard limit holds and writes that back.
    JobId id = static_cast<JobId>(std::stoul(parent));
    ASSERT_TRUE(set_throttle_limit(repository(), id, 100));
    JobInfo cut = wait_for(id, [](const JobInfo& job) { return job.throttle_limit != 100; });
    EXPECT_GE(cut.throttle_limit, 2u);
    EXPECT_LT(cut.throttle_limit, 24u) << "(256 - 64) / 11 = 17 fit, give or take the host's files";
    EXPECT_EQ(jobctl({"queue", "--job", parent, "--slots", "2"}).exit_code, 0) << "2 fit";
    std::ofstream(release) << "go\n";
    EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
}

TEST_F(Foreach, OnlyAForeachRunHasAThrottleToChange) {
    JobId plain = start({"true"});
    wait_until_finished(plain);
    CliResult not_foreach = jobctl({"queue", "--job", std::to_string(plain), "--slots", "2"});
    EXPECT_EQ(not_foreach.exit_code, 2);
    EXPECT_NE(not_foreach.err.find("is not a foreach run"), std::string::npos) << not_foreach.err;
    EXPECT_EQ(jobctl({"queue", "--job", "999", "--slots", "2"}).exit_code, 3);
    EXPECT_EQ(jobctl({"queue", "--job", std::to_string(plain)}).exit_code, 2) << "--job needs --slots";
    EXPECT_EQ(jobctl({"queue", "--job", std::to_string(plain), "q", "--slots", "1"}).exit_code, 2);
    EXPECT_EQ(jobctl({"queue", "--slots", "1"}).exit_code, 2) << "--slots needs a queue or a job";
    EXPECT_EQ(jobctl({"queue", "--job", std::to_string(plain), "--slots", "4097"}).exit_code, 2);
    for (const char* pattern : {"zz*", "*", "Job?"})
        EXPECT_EQ(jobctl({"queue", "--job", pattern, "--slots", "1"}).exit_code, 2)
            << "one run, not a pattern";
}

}  // namespace
}  // namespace jobctl::test
