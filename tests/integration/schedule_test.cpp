// jobctl schedule through the real crontab(1): the marked block, refusals,
// the line run as cron runs it, --max-results, --no-overlap, schedule run,
// --at, concurrent adds. Every test puts the machine's crontab back as it
// was (ScheduleTest), and ctest runs them one at a time (RESOURCE_LOCK).

#include "schedule_test.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>

namespace jobctl::test {
namespace {

const std::string kSeed =
    "# the user's own comment\n"
    "MAILTO=\"\"\n"
    "17 4 * * 1 /bin/true unrelated\n";

std::string jobctl_path() {
    return std::filesystem::canonical(bin_dir() + "/jobctl").string();
}

// `setsid env -i HOME=$HOME PATH=/usr/bin:/bin /bin/sh -c COMMAND`: as cron
// runs a line's command, with no terminal and stdin /dev/null.
CliResult run_as_cron(const std::string& command) {
    const char* home = std::getenv("HOME");
    return CliProcess({"setsid", "-w", "env", "-i", std::string("HOME=") + (home ? home : "/root"),
                       "PATH=/usr/bin:/bin", "/bin/sh", "-c", command})
        .finish();
}

using Schedule = ScheduleTest;

TEST_F(Schedule, MarkedBlockLeavesTheRestOfTheCrontabAlone) {
    install_crontab(kSeed);
    add("nightly", {"--cron", "30 2 * * *"}, {"true"});
    add("health", {"--every", "15m"}, {"true"});
    std::string prefix = "JOBCTL_HOME='" + home() + "' JOBCTL_REPOSITORY='" + repository_name() + "' '" +
                         jobctl_path() + "' schedule run --triggered ";
    std::string nightly = "30 2 * * * " + prefix + "'nightly'";
    std::string health = "*/15 * * * * " + prefix + "'health'";
    EXPECT_EQ(current_crontab(), kSeed + "# BEGIN jobctl (managed by jobctl schedule; do not edit)\n" +
                                     nightly + "\n" + health + "\n# END jobctl\n");

    CliResult removed = jobctl({"schedule", "remove", "nightly"});
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_EQ(current_crontab(), kSeed + "# BEGIN jobctl (managed by jobctl schedule; do not edit)\n" +
                                     health + "\n# END jobctl\n");
    EXPECT_EQ(jobctl({"schedule", "remove", "health"}).exit_code, 0);
    EXPECT_EQ(current_crontab(), kSeed);  // no empty block left behind
    EXPECT_EQ(jobctl({"schedule", "remove", "health"}).exit_code, 3);
}

// A run killed while it had the crontab changed (ctest's timeout: no
// destructor runs) leaves its saved crontab on disk; the next SavedCrontab
// puts it back before anything else. (A folder of the test's own, so that
// the real one, which holds this fixture's save, is not touched.)
TEST_F(Schedule, ACrontabAKilledRunLeftChangedIsPutBackByTheNextRun) {
    install_crontab(kSeed);
    std::string folder = home() + "/crontab-save";
    ::setenv("JOBCTL_TEST_CRONTAB_DIR", folder.c_str(), 1);
    const std::string changed = kSeed + "* * * * * /bin/true left by a killed run\n";
    pid_t killed_run = ::fork();
    ASSERT_GE(killed_run, 0);
    if (killed_run == 0) {
        auto* saved = new SavedCrontab;  // never destroyed: as if killed
        install_crontab(changed);
        ::_exit(saved->restored_leftover() ? 1 : 0);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(killed_run, &status, 0), killed_run);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    ASSERT_EQ(current_crontab(), changed);
    ASSERT_TRUE(std::filesystem::exists(SavedCrontab::save_file()));
    {
        SavedCrontab next_run;
        EXPECT_TRUE(next_run.restored_leftover());
        EXPECT_EQ(current_crontab(), kSeed) << "the leftover was not put back first";
        install_crontab(changed);  // this run's own change, put back at its end
    }
    EXPECT_EQ(current_crontab(), kSeed);
    EXPECT_FALSE(std::filesystem::exists(SavedCrontab::save_file())) << "a crontab put back stays saved";
    ::unsetenv("JOBCTL_TEST_CRONTAB_DIR");
}

TEST_F(Schedule, BadDefinitionsAreRefusedWithOneLineAndNothingWritten) {
    install_crontab(kSeed);
    add("taken", {"--cron", "0 * * * *"}, {"true"});
    std::string before = current_crontab();
    struct Case {
        std::vector<std::string> args;
        int exit_code;
        std::string says;
    };
    std::vector<Case> cases{
        {{"bad", "--cron", "61 * * * *"}, 2, "61 is outside 0-59"},
        {{"bad", "--cron", "* * * *"}, 2, "5 fields"},
        {{"bad", "--cron", "* * * * * *"}, 2, "5 fields"},
        {{"bad", "--cron", "* * * foo *"}, 2, "bad cron month"},
        {{"bad", "--every", "0s"}, 2, "above 0"},
        {{"bad", "--every", "7m"}, 2, "divide an hour"},
        {{"bad", "--every", "90s"}, 2, "whole minutes"},
        {{"bad", "--at", "2001-01-01T00:00"}, 2, "in the past"},
        {{"bad"}, 2, "give one trigger"},
        {{"bad", "--cron", "* * * * *", "--every", "5m"}, 2, "give one trigger"},
        {{"taken", "--cron", "* * * * *"}, 2, "already exists"},
        {{"bad/name", "--cron", "* * * * *"}, 2, "bad schedule name"},
        {{"123", "--cron", "* * * * *"}, 2, "all digits"},
    };
    for (const Case& c : cases) {
        std::vector<std::string> args{"schedule", "add"};
        args.insert(args.end(), c.args.begin(), c.args.end());
        args.insert(args.end(), {"--", "true"});
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, c.exit_code) << c.args[0] << " " << result.err;
        EXPECT_NE(result.err.find(c.says), std::string::npos) << result.err;
        EXPECT_EQ(std::ranges::count(result.err, '\n'), 1) << result.err;
    }
    CliResult missing = jobctl({"schedule", "add", "bad", "--every", "5m", "--", "no-such-program-here"});
    EXPECT_EQ(missing.exit_code, 8) << missing.err;
    EXPECT_EQ(current_crontab(), before);
    CliResult list = jobctl({"schedule", "list"});
    EXPECT_EQ(list.out.find("bad"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("taken"), std::string::npos) << list.out;
}

TEST_F(Schedule, TriggersBecomeFiveCronFields) {
    add("quarter", {"--every", "15m"}, {"true"});
    add("twohours", {"--every", "2h"}, {"true"});
    add("daily", {"--every", "1d"}, {"true"});
    add("minute", {"--every", "60s"}, {"true"});
    add("weekly", {"--cron", "@weekly"}, {"true"});
    add("named", {"--cron", "0  9 * jan-mar mon-fri"}, {"true"});
    EXPECT_TRUE(line_of("quarter").starts_with("*/15 * * * * ")) << line_of("quarter");
    EXPECT_TRUE(line_of("twohours").starts_with("0 */2 * * * ")) << line_of("twohours");
    EXPECT_TRUE(line_of("daily").starts_with("0 0 * * * ")) << line_of("daily");
    EXPECT_TRUE(line_of("minute").starts_with("* * * * * ")) << line_of("minute");
    EXPECT_TRUE(line_of("weekly").starts_with("0 0 * * 0 ")) << line_of("weekly");
    EXPECT_TRUE(line_of("named").starts_with("0 9 * jan-mar mon-fri ")) << line_of("named");
    EXPECT_EQ(jobctl({"schedule", "remove", "weekly"}).exit_code, 0);
    EXPECT_EQ(line_of("weekly"), "");
}

TEST_F(Schedule, TheLineRunsAsCronRunsItAndTheRunIsAnOrdinaryJob) {
    std::string folder = home() + "/work";
    std::filesystem::create_directory(folder);
    // The PATH of this 'schedule add' (the bin folder first) must reach the run.
    CliResult added = shell("cd / && GREETING=hello jobctl schedule add greet --every 5m --cwd " + folder +
                            " --env EXTRA=more --timeout 1m -- sh -c 'echo $GREETING $EXTRA $(pwd); "
                            "command -v jobctl-worker'");
    ASSERT_EQ(added.exit_code, 0) << added.err;
    std::string line = line_of("greet");
    ASSERT_FALSE(line.empty()) << current_crontab();

    CliResult cron = run_as_cron(command_of(line));
    EXPECT_EQ(cron.exit_code, 0) << cron.err;
    EXPECT_EQ(cron.out + cron.err, "");  // cron would mail anything printed
    std::vector<JobInfo> found = wait_for_runs("greet", 1, std::chrono::seconds(20));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].type, JobType::scheduled);
    EXPECT_EQ(found[0].cwd, folder);
    EXPECT_EQ(found[0].timeout, std::chrono::milliseconds(60000));

    // Another process waits for it and receives it.
    CliResult waited = jobctl({"wait", std::to_string(found[0].id), "--timeout", "20s"});
    EXPECT_EQ(waited.exit_code, 0) << waited.err;
    CliResult got = jobctl({"get", "greet"});
    EXPECT_NE(got.out.find("scheduled"), std::string::npos) << got.out;
    CliResult received = jobctl({"receive", std::to_string(found[0].id)});
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_EQ(received.out, "hello more " + folder + "\n" + bin_dir() + "/jobctl-worker\n");
}

TEST_F(Schedule, ScheduleRunStartsARunAtOnce) {
    add("now", {"--cron", "0 0 1 1 *"}, {"echo", "ran"});
    CliResult run = jobctl({"schedule", "run", "-q", "now"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    JobId id = static_cast<JobId>(std::stoul(run.out));
    auto job = repository().find(id);
    ASSERT_TRUE(job);
    EXPECT_EQ(job->name, "now");
    EXPECT_EQ(job->type, JobType::scheduled);
    EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", "now"}).out, "ran\n");
    EXPECT_EQ(jobctl({"schedule", "run", "nosuch"}).exit_code, 3);
}

TEST_F(Schedule, MaxResultsKeepsTheLastRunsAndCountsTheEvicted) {
    add("kept", {"--cron", "0 0 1 1 *", "--max-results", "3"}, {"true"});
    std::vector<JobId> ids;
    for (int i = 0; i < 5; ++i) {
        CliResult run = jobctl({"schedule", "run", "-q", "kept"});
        ASSERT_EQ(run.exit_code, 0) << run.err;
        ids.push_back(static_cast<JobId>(std::stoul(run.out)));
        wait_until_finished(ids.back());
    }
    // The fifth run evicted the second; the first went with the fourth.
    std::vector<JobInfo> kept = runs("kept");
    ASSERT_EQ(kept.size(), 3u);
    for (std::size_t i = 0; i < 3; ++i) EXPECT_EQ(kept[i].id, ids[i + 2]);
    CliResult list = jobctl({"schedule", "list", "--json"});
    EXPECT_NE(list.out.find("\"evicted\": 2"), std::string::npos) << list.out;
    EXPECT_NE(list.out.find("\"runs\": 3"), std::string::npos) << list.out;
}

TEST_F(Schedule, NoOverlapRecordsASkippedRun) {
    add("long", {"--cron", "0 0 1 1 *", "--no-overlap"}, {"sleep", "100"});
    CliResult first = jobctl({"schedule", "run", "-q", "long"});
    ASSERT_EQ(first.exit_code, 0) << first.err;
    JobId running = static_cast<JobId>(std::stoul(first.out));
    wait_until_running(running);
    CliResult second = jobctl({"schedule", "run", "-q", "long"});
    ASSERT_EQ(second.exit_code, 0) << second.err;
    auto skipped = repository().find(static_cast<JobId>(std::stoul(second.out)));
    ASSERT_TRUE(skipped);
    EXPECT_EQ(skipped->state, JobState::failed);
    EXPECT_EQ(skipped->reason, "skipped: previous run " + std::to_string(running) + " still running");
    EXPECT_EQ(skipped->type, JobType::scheduled);
    EXPECT_FALSE(repository().find(running)->finished());
}

TEST_F(Schedule, AtIsAOneShotThatTakesItsLineOut) {
    add("once", {"--at", "3h"}, {"echo", "once"});
    std::string line = line_of("once");
    ASSERT_FALSE(line.empty());
    EXPECT_TRUE(line.find(" * ") != std::string::npos) << line;  // minute hour day month, any weekday
    CliResult cron = run_as_cron(command_of(line));
    EXPECT_EQ(cron.exit_code, 0) << cron.err;
    std::vector<JobInfo> found = wait_for_runs("once", 1, std::chrono::seconds(20));
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(line_of("once"), "");
    CliResult list = jobctl({"schedule", "list", "--json"});
    EXPECT_NE(list.out.find("\"enabled\": false"), std::string::npos) << list.out;
    CliResult again = run_as_cron(command_of(line));  // a line left behind runs nothing
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_EQ(runs("once").size(), 1u);
}

TEST_F(Schedule, DisableTakesTheLineOutAndEnablePutsItBack) {
    add("toggled", {"--every", "10m"}, {"true"});
    std::string line = line_of("toggled");
    ASSERT_FALSE(line.empty());
    EXPECT_EQ(jobctl({"schedule", "disable", "toggled"}).exit_code, 0);
    EXPECT_EQ(line_of("toggled"), "");
    EXPECT_NE(jobctl({"schedule", "list"}).out.find(" no "), std::string::npos);
    EXPECT_EQ(jobctl({"schedule", "enable", "toggled"}).exit_code, 0);
    EXPECT_EQ(line_of("toggled"), line);
    // --replace changes the definition; the line keeps meaning "run toggled".
    add("toggled", {"--every", "10m", "--replace"}, {"echo", "replaced"});
    EXPECT_EQ(line_of("toggled"), line);
    run_as_cron(command_of(line));
    std::vector<JobInfo> found = wait_for_runs("toggled", 1, std::chrono::seconds(20));
    ASSERT_EQ(found.size(), 1u);
    wait_until_finished(found[0].id);
    EXPECT_EQ(jobctl({"receive", "toggled"}).out, "replaced\n");
}

TEST_F(Schedule, ConcurrentAddsLoseNeither) {
    install_crontab(kSeed);
    for (int round = 0; round < 5; ++round) {
        std::string a = "a" + std::to_string(round), b = "b" + std::to_string(round);
        auto first = std::make_unique<CliProcess>(
            std::vector<std::string>{"jobctl", "schedule", "add", a, "--every", "5m", "--", "true"});
        auto second = std::make_unique<CliProcess>(
            std::vector<std::string>{"jobctl", "schedule", "add", b, "--every", "5m", "--", "true"});
        EXPECT_EQ(first->finish().exit_code, 0);
        EXPECT_EQ(second->finish().exit_code, 0);
    }
    std::string crontab = current_crontab();
    EXPECT_TRUE(crontab.starts_with(kSeed)) << crontab;
    EXPECT_EQ(jobctl_block(crontab).size(), 10u) << crontab;
    for (int round = 0; round < 5; ++round)
        for (const char* prefix : {"a", "b"})
            EXPECT_FALSE(line_of(prefix + std::to_string(round)).empty()) << prefix << round << "\n"
                                                                          << crontab;
    CliResult list = jobctl({"schedule", "list", "--json"});
    EXPECT_EQ(std::ranges::count(list.out, '{'), 11) << list.out;  // the top and ten schedules
}

TEST_F(Schedule, ACrontabEditedMeanwhileIsNotOverwritten) {
    install_crontab(kSeed);
    // A crontab(1) that, right after jobctl's first read, lets "someone else"
    // add a line: jobctl must see it changed and make its edit on the new one.
    std::string bin = home() + "/fake-bin";
    std::filesystem::create_directory(bin);
    std::string real = CliProcess({"sh", "-c", "command -v crontab"}).finish().out;
    real.erase(real.find_last_not_of('\n') + 1);
    std::ofstream(bin + "/crontab") << "#!/bin/sh\n"
                                    << "if [ \"$1\" = -l ] && mkdir \"$0.edited\" 2>/dev/null; then\n"
                                    << "  " << real << " -l; status=$?\n"
                                    << "  { " << real
                                    << " -l; echo '0 5 * * * /bin/true added meanwhile'; } | " << real
                                    << " -\n"
                                    << "  exit $status\n"
                                    << "fi\n"
                                    << "exec " << real << " \"$@\"\n";
    std::filesystem::permissions(bin + "/crontab", std::filesystem::perms::owner_all);
    CliResult added = shell("PATH=" + bin + ":$PATH jobctl schedule add edited --every 5m -- true");
    ASSERT_EQ(added.exit_code, 0) << added.err;
    ASSERT_TRUE(std::filesystem::exists(bin + "/crontab.edited"));  // the other edit did happen
    std::string crontab = current_crontab();
    EXPECT_TRUE(crontab.starts_with(kSeed + "0 5 * * * /bin/true added meanwhile\n")) << crontab;
    EXPECT_FALSE(line_of("edited").empty()) << crontab;
}

TEST_F(Schedule, WithoutCronTheErrorNamesThePackage) {
    CliResult result = CliProcess({"env", "PATH=/nonexistent", jobctl_path(), "schedule", "add", "x",
                                   "--every", "5m", "--", "/bin/true"})
                           .finish();
    EXPECT_EQ(result.exit_code, 8) << result.err;
    EXPECT_NE(result.err.find("install the package 'cron'"), std::string::npos) << result.err;
    EXPECT_EQ(jobctl({"schedule", "list", "--json"}).out.find("\"x\""), std::string::npos);
}

}  // namespace
}  // namespace jobctl::test
