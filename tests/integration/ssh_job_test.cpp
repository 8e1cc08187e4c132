// Jobs on another host over ssh (issue 28), against a real sshd on this
// machine (tests/support/ssh_server.hpp): output and exit code come back,
// a stop or a time limit leaves nothing running there, a lost connection
// ends the job Failed and leaves nothing, and the errors known before the
// start register nothing.

#include "jobctl/ssh_job.hpp"

#include <signal.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "ssh/ssh_connection.hpp"
#include "ssh_server.hpp"
#include "table/job_table.hpp"
#include "table/repository_location.hpp"

namespace jobctl::test {
namespace {

class SshJobs : public JobctlTest {
protected:
    explicit SshJobs(SshServer::RemoteJobctl remote = SshServer::RemoteJobctl::none) : server_(remote) {}
    void SetUp() override {
        JobctlTest::SetUp();
        if (!server_.unavailable().empty()) GTEST_SKIP() << server_.unavailable();
        path_ = std::getenv("PATH");
        ::setenv("PATH", (server_.client_bin() + ":" + path_).c_str(), 1);
    }
    void TearDown() override {
        if (!path_.empty()) ::setenv("PATH", path_.c_str(), 1);
        std::filesystem::path sockets = detail::ssh_control_folder(detail::table_of(repository()).location());
        JobctlTest::TearDown();
        // Removed with the repository (in /tmp when its own folder's path was too long).
        EXPECT_FALSE(std::filesystem::exists(sockets)) << sockets;
    }

    JobId start_on(const std::string& host, const std::vector<std::string>& options,
                   const std::vector<std::string>& command) {
        std::vector<std::string> all{"--on", "ssh:" + host};
        all.insert(all.end(), options.begin(), options.end());
        return start_with(all, command);
    }

    SshServer server_;
    std::string path_;
};

TEST_F(SshJobs, CompletesWithItsOutputApartAndItsExitCode) {
    JobId id = start_on("testhost", {"--name", "remote"},
                        {"sh", "-c", "echo \"out $(id -un)\"; echo err >&2; exit 3"});
    ASSERT_NE(id, 0u);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    EXPECT_EQ(job.type_name, "ssh");
    EXPECT_EQ(job.location, "testhost");
    CliResult out = jobctl({"receive", "--keep", "--stream", "out", std::to_string(id)});
    EXPECT_EQ(out.out, std::string("out ") + kSshTestUser + "\n");
    CliResult err = jobctl({"receive", "--keep", "--stream", "err", std::to_string(id)});
    EXPECT_EQ(err.err, "err\n");
    CliResult json = jobctl({"get", "--json", std::to_string(id)});
    EXPECT_NE(json.out.find("\"remote_mode\": \"wrapper\""), std::string::npos) << json.out;
    EXPECT_NE(json.out.find("\"type\": \"ssh\""), std::string::npos) << json.out;
}

TEST_F(SshJobs, ArgumentsFolderAndVariablesArriveAsGiven) {
    JobId id = start_on("testhost", {"--cwd", "/tmp", "--env", "GREETING=a 'quoted' $word"},
                        {"sh", "-c", "pwd; printf '%s|' \"$GREETING\" \"$1\"", "sh", "two words; $(no)"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    CliResult out = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(out.out, "/tmp\na 'quoted' $word|two words; $(no)|");
}

TEST_F(SshJobs, RunWaitsAndExitsWithTheRemoteOutcome) {
    CliResult result = jobctl({"run", "--on", "ssh:testhost2", "--", "sh", "-c", "echo hi; exit 4"});
    EXPECT_EQ(result.out, "hi\n");
    EXPECT_NE(result.exit_code, 0);
}

TEST_F(SshJobs, StopEndsTheRemoteSessionAndLeavesNothing) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "sleep 301 & sleep 302; wait"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 302"));
    CliResult stopped = jobctl({"stop", std::to_string(id)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 30"));
}

TEST_F(SshJobs, ATimeLimitEndsItFailedAndLeavesNothing) {
    JobId id = start_on("testhost", {"--timeout", "1s"}, {"sh", "-c", "sleep 303 & sleep 304"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 1s");
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 30"));
}

TEST_F(SshJobs, ALostConnectionEndsItFailedAndLeavesNothingThere) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "sleep 305 & sleep 306"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 306"));
    wait_until_running(id);
    // This test's shared connection (ssh's master, named after its socket
    // in the repository's control folder) dies: the job's ssh loses its link.
    std::string folder = detail::control_folder_of(detail::table_of(repository()).location()).string();
    ASSERT_EQ(std::system(("pkill -KILL -f '^ssh: " + folder + "/.*\\[mux\\]'").c_str()), 0);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_NE(job.reason.find("connection to testhost lost"), std::string::npos) << job.reason;
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 30"));
}

TEST_F(SshJobs, BadHostsAndRefusedKeysAreOneLineAndRegisterNothing) {
    for (const char* host : {"nosuchhost.invalid", "badkey"}) {
        CliResult result = jobctl({"start", "--on", std::string("ssh:") + host, "--", "true"});
        EXPECT_EQ(result.exit_code, 10) << host << ": " << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
        EXPECT_NE(result.err.find(host), std::string::npos) << result.err;
    }
    for (const char* where : {"ssh:", "ssh:-oProxyCommand=x", "ssh:a b", "ssh:host:99999", "ssh:a,a",
                              "ssh:@testhost", "ssh:h\xc3\xa9"}) {
        CliResult result = jobctl({"start", "--on", where, "--", "true"});
        EXPECT_EQ(result.exit_code, 2) << where << ": " << result.err;
        EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
    }
    CliResult stdin_file = jobctl({"start", "--on", "ssh:testhost", "--stdin", "/dev/null", "--", "cat"});
    EXPECT_EQ(stdin_file.exit_code, 2) << stdin_file.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(SshJobs, WithoutSshOnPathItSaysSoAndRegistersNothing) {
    ::setenv("PATH", "/nonexistent", 1);
    CliResult result = jobctl({"start", "--on", "ssh:testhost", "--", "true"});
    ::setenv("PATH", (server_.client_bin() + ":" + path_).c_str(), 1);
    EXPECT_EQ(result.exit_code, 8) << result.err;
    EXPECT_NE(result.err.find("ssh"), std::string::npos) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(SshJobs, TwoHostsGiveAParentWithAChildPerHost) {
    JobId id = start_on("testhost,testhost2", {"--name", "both"}, {"sh", "-c", "echo \"hi $0\"", "there"});
    ASSERT_NE(id, 0u);
    JobInfo parent = wait_until_finished(id);
    EXPECT_EQ(parent.state, JobState::completed) << parent.reason;
    EXPECT_EQ(parent.type_name, "ssh");
    std::vector<JobInfo> children = children_of(repository(), id);
    ASSERT_EQ(children.size(), 2u);
    EXPECT_EQ(children[0].name, "both:testhost");
    EXPECT_EQ(children[0].location, "testhost");
    EXPECT_EQ(children[1].name, "both:testhost2");
    EXPECT_EQ(children[1].location, "testhost2");
    for (const JobInfo& child : children) EXPECT_EQ(child.type_name, "ssh");
    CliResult out = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(out.out, "hi there\nhi there\n");
}

TEST_F(SshJobs, RestartFailedRunsTheFailedChildrenOnTheirHostsAgain) {
    std::string gate = "/tmp/jobctl-ssh-rerun-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    // Each host fails until the gate is there.
    JobId id = start_on("testhost,testhost2", {"--name", "rerun", "--env", "GATE=" + gate},
                        {"sh", "-c", "test -e \"$GATE\" || exit 4; echo \"ok $0\"", "again"});
    EXPECT_EQ(wait_until_finished(id).state, JobState::failed);
    std::ofstream(gate).put('\n');
    CliResult rerun = jobctl({"restart", "--failed", std::to_string(id)});
    std::filesystem::remove(gate);
    EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
    JobInfo parent = wait_until_finished(id);
    EXPECT_EQ(parent.state, JobState::completed) << parent.reason;
    std::vector<JobInfo> children = children_of(repository(), id);
    ASSERT_EQ(children.size(), 2u);
    EXPECT_EQ(children[0].location, "testhost");
    EXPECT_EQ(children[1].location, "testhost2");
    CliResult out = jobctl({"receive", "--stream", "out", std::to_string(id)});
    EXPECT_EQ(out.out, "ok again\nok again\n");
}

TEST_F(SshJobs, RestartFailedSpreadsAForeachsFailedInputsOverItsHostsAgain) {
    std::string gate = "/tmp/jobctl-ssh-rerun-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    // Input b fails until the gate is there.
    CliResult run = jobctl(
        {"foreach", "--keep-jobs", "--on", "ssh:testhost,testhost2", "-j", "1", "--name", "spread", "--",
         "sh", "-c", "[ $0 != b ] || test -e " + gate + " || exit 4; echo $0", "{}", ":::", "a", "b", "c"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::vector<JobInfo> found = find_jobs_named(repository(), "spread");
    ASSERT_EQ(found.size(), 1u);
    std::ofstream(gate).put('\n');
    CliResult rerun = jobctl({"restart", "--failed", "spread"});
    std::filesystem::remove(gate);
    EXPECT_EQ(rerun.exit_code, 0) << rerun.err;
    JobInfo parent = wait_until_finished(found[0].id);
    EXPECT_EQ(parent.state, JobState::completed) << parent.reason;
    JobInfo b = *repository().find(found[0].id + 2);
    EXPECT_TRUE(b.location == "testhost" || b.location == "testhost2") << b.location;
    CliResult out = jobctl({"receive", "--all", "--stream", "out", std::to_string(found[0].id)});
    EXPECT_EQ(out.out, "a\nb\nc\n");
}

TEST_F(SshJobs, ForeachSpreadsItsInputsOverTheHostsInInputOrder) {
    std::vector<std::string> args{"foreach",     "-j",      "2",      "--on", "ssh:testhost,testhost2",
                                  "--keep-jobs", "--name",  "spread", "--",   "sh",
                                  "-c",          "echo {}", ":::"};
    std::string expected;
    for (int i = 1; i <= 10; ++i) {
        args.push_back(std::to_string(i));
        expected += std::to_string(i) + "\n";
    }
    CliResult result = jobctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
    EXPECT_EQ(result.out, expected);
    std::vector<JobInfo> found = find_jobs_named(repository(), "spread");
    ASSERT_EQ(found.size(), 1u);
    std::set<std::string> locations;
    for (const JobInfo& child : children_of(repository(), found[0].id)) {
        EXPECT_EQ(child.state, JobState::completed) << child.reason;
        locations.insert(child.location);
    }
    EXPECT_EQ(locations, (std::set<std::string>{"testhost", "testhost2"}));
}

TEST_F(SshJobs, StoppingAParentOnTwoHostsLeavesNothingOnEither) {
    JobId id = start_on("testhost,testhost2", {}, {"sh", "-c", "sleep 308 & sleep 309"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 309"));
    EXPECT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
    for (const JobInfo& child : children_of(repository(), id)) EXPECT_EQ(child.state, JobState::stopped);
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 30"));
}

TEST_F(SshJobs, AStopOutlastsWhatIgnoresTermAndWhatTheCommandLeft) {
    // The command leaves a child that ignores TERM and lets go of the output:
    // the job runs on until the stop, which ends it with KILL after the grace.
    JobId id = start_on("testhost", {},
                        {"sh", "-c", "(trap '' TERM; exec sleep 321 >/dev/null 2>&1) & echo started"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 321"));
    JobInfo still = wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    EXPECT_FALSE(still.finished()) << "ended while its child ran: " << still.reason;
    CliResult stopped = jobctl({"stop", "--grace", "1s", std::to_string(id)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 321"));
}

TEST_F(SshJobs, AStopReachesEveryProcessGroupOfTheSession) {
    // timeout(1) runs its command in a process group of its own.
    JobId id = start_on("testhost", {}, {"sh", "-c", "timeout 300 sleep 322; echo done"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 322"));
    CliResult stopped = jobctl({"stop", "--grace", "1s", std::to_string(id)});
    EXPECT_EQ(stopped.exit_code, 0) << stopped.err;
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 322"));
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).err, "");  // no word of the wrapper's shell
}

TEST_F(SshJobs, AnAliasNeverRidesAnotherAliasConnection) {
    // testhost's connection is open; badkey names the same machine with a
    // key the server refuses: it must not get in through testhost's.
    JobId id = start_on("testhost", {}, {"true"});
    EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
    CliResult refused = jobctl({"start", "--on", "ssh:badkey", "--", "true"});
    EXPECT_EQ(refused.exit_code, 10) << refused.err;
    EXPECT_EQ(repository().list().size(), 1u);
}

TEST_F(SshJobs, TooLongACommandIsRefusedBeforeTheStart) {
    // Each word fits in an argument here; quoted into the one line the remote
    // shell takes, they do not.
    std::string word(50 * 1024, 'x');
    CliResult result = jobctl({"start", "--on", "ssh:testhost", "--", "echo", word, word, word});
    EXPECT_EQ(result.exit_code, 2) << result.err;
    EXPECT_NE(result.err.find("too long"), std::string::npos) << result.err;
    EXPECT_TRUE(repository().list().empty());
}

TEST_F(SshJobs, CannotBeSuspended) {
    JobId id = start_on("testhost", {}, {"sleep", "307"});
    wait_until_running(id);
    CliResult suspended = jobctl({"suspend", std::to_string(id)});
    EXPECT_EQ(suspended.exit_code, 2);
    EXPECT_NE(suspended.err.find("another host"), std::string::npos) << suspended.err;
    EXPECT_EQ(jobctl({"stop", std::to_string(id)}).exit_code, 0);
    EXPECT_EQ(wait_until_finished(id).state, JobState::stopped);
}

// The durable mode: a jobctl on the remote PATH runs the command as a job
// of the remote user's repository, and the local job follows it.
class DurableSshJobs : public SshJobs {
protected:
    DurableSshJobs() : SshJobs(SshServer::RemoteJobctl::installed) {}

    // The remote side the run noted, once it has heard from the host.
    std::optional<RemoteSide> remote_of(JobId id) { return remote_side(repository(), id); }
};

TEST_F(DurableSshJobs, CompletesWithItsOutputApartAndLeavesNoJobThere) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "echo \"out $(id -un)\"; echo err >&2; exit 3"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.exit_code, 3);
    EXPECT_EQ(job.reason, "exited with code 3");
    CliResult out = jobctl({"receive", "--keep", "--stream", "out", std::to_string(id)});
    EXPECT_EQ(out.out, std::string("out ") + kSshTestUser + "\n");
    CliResult err = jobctl({"receive", "--keep", "--stream", "err", std::to_string(id)});
    EXPECT_EQ(err.err, "err\n");
    CliResult json = jobctl({"get", "--json", std::to_string(id)});
    EXPECT_NE(json.out.find("\"remote_mode\": \"jobctl\""), std::string::npos) << json.out;
    auto side = remote_of(id);
    ASSERT_TRUE(side);
    EXPECT_EQ(side->mode, "jobctl");
    EXPECT_NE(side->job, 0u);
    // Its outcome is here: the job there was removed.
    EXPECT_EQ(server_.remote_jobctl("get --json").find("\"name\": \"from-"), std::string::npos);
}

TEST_F(DurableSshJobs, ALostConnectionIsFollowedAgainWithTheWholeOutputOnce) {
    std::string gate = "/tmp/jobctl-durable-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    // Half the output, then (once the connection was lost) the rest.
    std::string script = "seq 1 2000; seq 1 500 >&2; while [ ! -e " + gate +
                         " ]; do sleep 0.05; done; seq 2001 4000; seq 501 1000 >&2";
    JobId id = start_on("testhost", {}, {"sh", "-c", script});
    std::string first_half = shell("seq 1 2000").out;
    wait_for(id, [&](const JobInfo& job) { return job.output_bytes >= first_half.size() + 1000; });
    ASSERT_TRUE(remote_of(id));
    std::string folder = detail::control_folder_of(detail::table_of(repository()).location()).string();
    ASSERT_EQ(std::system(("pkill -KILL -f '^ssh: " + folder + "/.*\\[mux\\]'").c_str()), 0);
    std::ofstream(gate).put('\n');
    JobInfo job = wait_until_finished(id);
    std::filesystem::remove(gate);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    CliResult out = jobctl({"receive", "--keep", "--stream", "out", std::to_string(id)});
    EXPECT_EQ(out.out, shell("seq 1 4000").out);
    CliResult err = jobctl({"receive", "--keep", "--stream", "err", std::to_string(id)});
    EXPECT_EQ(err.err, shell("seq 1 1000").out);
}

TEST_F(DurableSshJobs, StopEndsTheJobThereAndLeavesNothing) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "sleep 307 & sleep 308"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 308"));
    wait_for(id, [&](const JobInfo&) { return remote_of(id).has_value(); });
    CliResult stop = jobctl({"stop", std::to_string(id)});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 30"));
    EXPECT_EQ(server_.remote_jobctl("get --json").find("\"name\": \"from-"), std::string::npos);
}

TEST_F(DurableSshJobs, ATimeLimitEndsItFailedThere) {
    JobId id = start_on("testhost", {"--timeout", "1s"}, {"sh", "-c", "echo begun; sleep 309"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 1s");
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "begun\n");
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 309"));
}

TEST_F(DurableSshJobs, ALostWorkerIsReplacedAndTheWholeOutputComesOnce) {
    std::string gate = "/tmp/jobctl-durable-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    std::string script =
        "seq 1 3000; while [ ! -e " + gate + " ]; do sleep 0.05; done; seq 3001 6000; exit 5";
    JobId id = start_on("testhost", {}, {"sh", "-c", script});
    std::string first_half = shell("seq 1 3000").out;
    JobInfo running = wait_for(id, [&](const JobInfo& job) { return job.output_bytes >= first_half.size(); });
    ASSERT_TRUE(remote_of(id));
    // This machine's worker dies (a crash, a reboot): the job there runs on.
    ASSERT_EQ(::kill(running.owner_pid, SIGKILL), 0);
    std::ofstream(gate).put('\n');
    // The next look at the job finds the worker gone and starts another.
    JobInfo job = wait_until_finished(id);
    std::filesystem::remove(gate);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "exited with code 5");
    EXPECT_NE(job.owner_pid, running.owner_pid);
    EXPECT_EQ(jobctl({"receive", "--keep", "--stream", "out", std::to_string(id)}).out,
              shell("seq 1 6000").out);
    EXPECT_EQ(server_.remote_jobctl("get --json").find("\"name\": \"from-"), std::string::npos);
}

TEST_F(DurableSshJobs, AfterARebootHereTheJobThereIsFollowedAgain) {
    ::setenv("JOBCTL_BOOT_ID", "boot-before", 1);
    std::string gate = "/tmp/jobctl-durable-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    std::string script = "seq 1 1000; while [ ! -e " + gate + " ]; do sleep 0.05; done; seq 1001 2000";
    JobId id = start_on("testhost", {}, {"sh", "-c", script});
    std::string first_part = shell("seq 1 1000").out;
    JobInfo running = wait_for(id, [&](const JobInfo& job) { return job.output_bytes >= first_part.size(); });
    ASSERT_TRUE(remote_of(id));
    // The reboot: the worker goes, and the next open is the first of a new boot.
    ASSERT_EQ(::kill(running.owner_pid, SIGKILL), 0);
    ::setenv("JOBCTL_BOOT_ID", "boot-after", 1);
    EXPECT_EQ(Repository::open(repository_name()).list().size(), 1u);
    std::ofstream(gate).put('\n');
    JobInfo job = wait_until_finished(id);
    ::unsetenv("JOBCTL_BOOT_ID");
    std::filesystem::remove(gate);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_EQ(jobctl({"receive", "--keep", std::to_string(id)}).out, shell("seq 1 2000").out);
}

TEST_F(DurableSshJobs, AWorkerLostBeforeTheHostSaidTheJobsIdFindsItByName) {
    std::string gate = "/tmp/jobctl-durable-gate-" + std::to_string(::getpid());
    std::filesystem::remove(gate);
    std::string runs = "/tmp/jobctl-durable-runs-" + std::to_string(::getpid());
    std::filesystem::remove(runs);
    // Nothing of the first connection arrives here before the worker dies.
    server_.set_held(true);
    std::string script =
        "echo ran >> " + runs + "; seq 1 100; while [ ! -e " + gate + " ]; do sleep 0.05; done";
    JobId id = start_on("testhost", {}, {"sh", "-c", script});
    ASSERT_TRUE(server_.wait_until_user_command(gate));
    JobInfo running = wait_for(id, [&](const JobInfo& job) { return job.owner_claimed; });
    EXPECT_EQ(remote_of(id)->mode, "unknown");
    ASSERT_EQ(::kill(running.owner_pid, SIGKILL), 0);
    server_.set_held(false);
    std::ofstream(gate).put('\n');
    JobInfo job = wait_until_finished(id);
    std::filesystem::remove(gate);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_EQ(jobctl({"receive", "--keep", std::to_string(id)}).out, shell("seq 1 100").out);
    EXPECT_EQ(shell("cat " + runs).out, "ran\n");  // once: found by its name, not started again
    std::filesystem::remove(runs);
    EXPECT_EQ(server_.remote_jobctl("get --json").find("\"name\": \"from-"), std::string::npos);
}

TEST_F(DurableSshJobs, AWorkerLostPastItsOutputCapNamesTheJobThatRunsOnThere) {
    // Its log here holds only the first part: what it has cannot be counted.
    JobId id = start_on("testhost", {"--max-output", "4096"}, {"sh", "-c", "seq 1 5000; sleep 310"});
    JobInfo running =
        wait_for(id, [&](const JobInfo& job) { return job.output_bytes >= 1024 && remote_of(id); });
    ASSERT_TRUE(server_.wait_until_user_command("sleep 310"));
    std::filesystem::path folder = detail::table_of(repository()).job_directory(id);
    wait_for(id, [&](const JobInfo&) { return std::filesystem::exists(folder / "output.cap"); });
    ASSERT_EQ(::kill(running.owner_pid, SIGKILL), 0);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    std::string there = "its job " + std::to_string(remote_of(id)->job) + " on testhost may run on there";
    EXPECT_NE(job.reason.find("worker lost"), std::string::npos) << job.reason;
    EXPECT_NE(job.reason.find(there), std::string::npos) << job.reason;
}

// The job's connection is lost (this test's shared connection killed), and
// with `offline` no new one can be made until online again.
void lose_connection(const SshServer& server, Repository& repository, bool offline) {
    if (offline) server.set_offline(true);
    std::string folder = detail::control_folder_of(detail::table_of(repository).location()).string();
    ASSERT_EQ(std::system(("pkill -KILL -f '^ssh: " + folder + "/.*\\[mux\\]'").c_str()), 0);
}

TEST_F(DurableSshJobs, AStopWhileTheHostIsOutOfReachIsDeliveredWhenItIsBack) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "sleep 311 & sleep 312"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 312"));
    wait_for(id, [&](const JobInfo&) { return remote_of(id) && remote_of(id)->job != 0; });
    lose_connection(server_, repository(), true);
    CliResult stop = jobctl({"stop", "--no-wait", std::to_string(id)});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(repository().find(id)->state, JobState::stopping);
    server_.set_offline(false);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 31"));
    EXPECT_EQ(server_.remote_jobctl("get --json").find("\"name\": \"from-"), std::string::npos);
}

TEST_F(DurableSshJobs, AConnectionLostDuringAStopsGraceBringsTheEndLater) {
    JobId id = start_on("testhost", {}, {"sh", "-c", "trap '' TERM; sleep 313"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 313"));
    wait_for(id, [&](const JobInfo&) { return remote_of(id) && remote_of(id)->job != 0; });
    CliResult stop = jobctl({"stop", "--no-wait", "--grace", "3s", std::to_string(id)});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    lose_connection(server_, repository(), false);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    EXPECT_TRUE(server_.wait_until_no_user_command("sleep 313"));
}

TEST_F(DurableSshJobs, ASecondStopGivesUpOnARelayThatDoesNotAnswer) {
    JobId id = start_on("testhost", {}, {"sleep", "314"});
    ASSERT_TRUE(server_.wait_until_user_command("sleep 314"));
    wait_for(id, [&](const JobInfo&) { return remote_of(id) && remote_of(id)->job != 0; });
    std::vector<pid_t> relays = server_.user_pids("__ssh-relay");
    ASSERT_EQ(relays.size(), 1u);
    ASSERT_EQ(::kill(relays[0], SIGSTOP), 0);
    // The first stop cannot end it (the relay hears nothing): it gives up waiting.
    CliResult first = jobctl({"stop", "--timeout", "2s", std::to_string(id)});
    EXPECT_NE(first.exit_code, 0);
    EXPECT_NE(first.err.find("still not stopped"), std::string::npos) << first.err;
    EXPECT_EQ(jobctl({"stop", "--no-wait", std::to_string(id)}).exit_code, 0);
    JobInfo job = wait_until_finished(id);
    ::kill(relays[0], SIGKILL);
    EXPECT_EQ(job.state, JobState::stopped);
    std::string said = "stopped; gave up on testhost, which did not answer: its job " +
                       std::to_string(remote_of(id)->job) + " there may still run";
    EXPECT_NE(job.reason.find(said), std::string::npos) << job.reason;
}

TEST_F(DurableSshJobs, ACommandNotFoundThereIsOneLine) {
    JobId id = start_on("testhost", {}, {"no-such-program-here"});
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason.find("on testhost: "), 0u) << job.reason;
    EXPECT_NE(job.reason.find("no-such-program-here"), std::string::npos) << job.reason;
    EXPECT_EQ(job.reason.find('\n'), std::string::npos) << job.reason;
}

}  // namespace
}  // namespace jobctl::test
