// Session containment (issue 24, the fallback where no cgroup can be had):
// stop, a time limit, suspend, resume and remove --force reach every process
// a job started, whatever group or session it moved to. Each command writes
// the pids of its processes to a file of the test's own, so that the test
// checks those processes, and no others (tests run in parallel).

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fifo_gate.hpp"
#include "held_still.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "system/job_cgroup.hpp"
#include "system/proc_stat.hpp"
#include "table/job_table.hpp"
#include "user_nobody.hpp"

namespace jobctl::test {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

// The pids written to `file`, one a line.
std::vector<pid_t> pids_in(const std::string& file) {
    std::vector<pid_t> pids;
    std::ifstream in(file);
    for (pid_t pid = 0; in >> pid;) pids.push_back(pid);
    return pids;
}

// Gone or a zombie: runs no more.
bool runs(pid_t pid) {
    auto stat = detail::read_stat(pid);
    return stat && stat->state != 'Z' && stat->state != 'X';
}

std::string still_running(const std::vector<pid_t>& pids) {
    std::string text;
    for (pid_t pid : pids)
        if (auto stat = detail::read_stat(pid); stat && runs(pid))
            text += std::to_string(pid) + ":" + stat->state + " ";
    return text;
}

// Waits on pidfds, at most `limit`, until none of `pids` runs.
bool all_gone(const std::vector<pid_t>& pids, std::chrono::seconds limit = 10s) {
    auto deadline = SteadyClock::now() + limit;
    for (;;) {
        reap_exited_children();  // orphans that reached this process (a subreaper) are zombies here
        std::vector<pollfd> exits;
        for (pid_t pid : pids) {
            if (!runs(pid)) continue;
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
            if (fd >= 0) exits.push_back({fd, POLLIN, 0});
        }
        if (exits.empty()) return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
        if (left.count() <= 0) {
            for (const pollfd& fd : exits) ::close(fd.fd);
            return false;
        }
        ::poll(exits.data(), exits.size(), static_cast<int>(left.count()));
        for (const pollfd& fd : exits) ::close(fd.fd);
    }
}

// Each test runs three ways: "cgroup" (skipped where this user may make no
// cgroup); "session" (JOBCTL_CONTAINMENT=session); and "unprivileged", the
// session as an unprivileged user gets it, chosen by jobctl itself: the
// test process becomes user nobody (needs root; the process is this
// test's alone), so the test, jobctl and the jobs all run as nobody.
class Containment : public JobctlTest, public ::testing::WithParamInterface<std::string> {
protected:
    void SetUp() override {
        JobctlTest::SetUp();
        if (GetParam() == "session") {
            ::setenv("JOBCTL_CONTAINMENT", "session", 1);
            return;
        }
        ::unsetenv("JOBCTL_CONTAINMENT");
        if (GetParam() == "unprivileged") {
            become_unprivileged();
        } else if (!detail::cgroups_available()) {
            GTEST_SKIP() << "no cgroup v2 subtree this user may write: only session containment here";
        }
    }
    void TearDown() override {
        ::unsetenv("JOBCTL_CONTAINMENT");
        JobctlTest::TearDown();
    }
    // The fallback, whether chosen by the variable or by jobctl.
    bool session() const { return GetParam() != "cgroup"; }
    std::string mechanism() const { return session() ? "session" : "cgroup"; }

    void become_unprivileged() {
        if (::geteuid() != 0) GTEST_SKIP() << "needs root, to become user nobody";
        if (::testing::UnitTest::GetInstance()->test_to_run_count() > 1)
            GTEST_SKIP() << "gives up root for good: run it alone (ctest runs each test in its own process)";
        std::string problem = become_nobody(home());
        ASSERT_EQ(problem, "");
        ASSERT_FALSE(detail::cgroups_available()) << "user nobody may write a cgroup here";
    }

    std::string pid_file() const { return home() + "/pids"; }

    // A file in the test's home holding `text`; returns its path.
    std::string write_file(const std::string& name, const std::string& text) const {
        std::string path = home() + "/" + name;
        std::ofstream(path) << text;
        return path;
    }

    // `sh -c 'timeout 40 sleep 40'`, each process writing its pid first:
    // sh, then timeout (the inner sh's parent), then the inner sh that
    // becomes the sleep (or runs `inner`). "ready" once all three are written.
    std::vector<std::string> timeout_command(const std::string& inner = "exec sleep 40") const {
        std::string script = "echo $$ >> " + pid_file() + "; timeout 40 sh -c 'echo $PPID >> " + pid_file() +
                             "; echo $$ >> " + pid_file() + "; echo ready; " + inner + "'";
        return {"sh", "-c", script};
    }

    // `jobctl stop ID OPTIONS...` ends the job Stopped, and none of the
    // `count` processes that wrote their pid runs any more.
    void stop_leaving_nothing(JobId id, std::size_t count, const std::vector<std::string>& options) {
        std::vector<std::string> args{"stop", std::to_string(id)};
        args.insert(args.end(), options.begin(), options.end());
        CliResult stop = jobctl(args);
        EXPECT_EQ(stop.exit_code, 0) << stop.err;
        EXPECT_EQ(repository().find(id)->state, JobState::stopped);
        std::vector<pid_t> pids = pids_in(pid_file());
        EXPECT_EQ(pids.size(), count);
        EXPECT_TRUE(all_gone(pids)) << still_running(pids);
    }

    JobInfo wait_until_ready(JobId id) {
        return wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    }

    // A child of the command's shell that leaves its process group
    // (setpgid(0, 0)) and ignores SIGTERM; "ready" once its pid is written.
    std::vector<std::string> group_leaving_command() const {
        std::string perl = write_file("leave_group.pl",
                                      "setpgrp(0, 0);\n"
                                      "$SIG{TERM} = 'IGNORE';\n"
                                      "open(my $pids, '>>', $ARGV[0]) or die; print $pids \"$$\\n\"; "
                                      "close($pids);\n"
                                      "$| = 1; print \"ready\\n\";\n"
                                      "exec('sleep', '1000');\n");
        return {"sh", "-c",
                "echo $$ >> " + pid_file() + "; perl " + perl + " " + pid_file() + "; echo after"};
    }
};

TEST_P(Containment, StopReachesTheChildThatTimeoutPutInAGroupOfItsOwn) {
    JobId id = start(timeout_command());
    wait_until_ready(id);
    auto before = SteadyClock::now();
    stop_leaving_nothing(id, 3, {"--grace", "10", "--timeout", "20"});
    EXPECT_LT(SteadyClock::now() - before, 5s) << "the stop waited for the grace";
}

TEST_P(Containment, TimeLimitReachesTheChildThatTimeoutPutInAGroupOfItsOwn) {
    std::vector<std::string> args{"start", "-q", "--timeout", "1s", "--"};
    for (const std::string& word : timeout_command()) args.push_back(word);
    CliResult started = jobctl(args);
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::failed);
    EXPECT_EQ(job.reason, "timed out after 1s");
    ASSERT_TRUE(job.began && job.ended);
    // The issue asks for 2 s; a loaded test machine gets some more.
    EXPECT_LT(*job.ended - *job.began, 3s) << "the time limit waited for the child";
    std::vector<pid_t> pids = pids_in(pid_file());
    EXPECT_EQ(pids.size(), 3u);
    EXPECT_TRUE(all_gone(pids)) << still_running(pids);
}

TEST_P(Containment, SuspendStopsEveryProcessOfTheTreeAndResumeContinuesThem) {
    // The child of timeout writes a line every 50 ms: more output after the
    // resume shows that the worker has continued the processes.
    JobId id = start(timeout_command("while :; do echo x; sleep 0.05; done"));
    wait_until_ready(id);
    std::vector<pid_t> pids = pids_in(pid_file());
    ASSERT_EQ(pids.size(), 3u);
    CliResult suspended = jobctl({"suspend", std::to_string(id)});
    ASSERT_EQ(suspended.exit_code, 0) << suspended.err;
    JobInfo job = *repository().find(id);
    EXPECT_EQ(job.state, JobState::suspended);
    for (pid_t pid : pids) {
        auto stat = detail::read_stat(pid);
        ASSERT_TRUE(stat) << pid;
        EXPECT_TRUE(held_still(pid, stat->state)) << pid << " is in state " << stat->state;
    }
    CliResult resumed = jobctl({"resume", std::to_string(id)});
    ASSERT_EQ(resumed.exit_code, 0) << resumed.err;
    EXPECT_EQ(repository().find(id)->state, JobState::running);
    wait_for(id, [&](const JobInfo& now) { return now.output_bytes > job.output_bytes; });
    for (pid_t pid : pids) {
        auto stat = detail::read_stat(pid);
        ASSERT_TRUE(stat) << pid;
        EXPECT_NE(stat->state, 'T') << pid << " was not continued";
    }
    stop_leaving_nothing(id, 3, {"--timeout", "20"});
}

TEST_P(Containment, StopKillsAChildThatLeftTheGroupAndIgnoresSigterm) {
    JobId id = start(group_leaving_command());
    wait_until_ready(id);
    stop_leaving_nothing(id, 2, {"--grace", "0.5", "--timeout", "10"});
}

TEST_P(Containment, RemoveForceKillsAChildThatLeftTheGroupAndIgnoresSigterm) {
    JobId id = start(group_leaving_command());
    wait_until_ready(id);
    CliResult removed = jobctl({"remove", "--force", std::to_string(id)});
    EXPECT_EQ(removed.exit_code, 0) << removed.err;
    EXPECT_FALSE(repository().find(id));
    std::vector<pid_t> pids = pids_in(pid_file());
    EXPECT_EQ(pids.size(), 2u);
    EXPECT_TRUE(all_gone(pids)) << still_running(pids);
}

TEST_P(Containment, StopCatchesADoubleForkedEscapeeFromTheSession) {
    // The subshell forks the escapee and exits at once: the escapee, in a
    // session of its own, is re-parented to the nearest subreaper.
    std::string script = "echo $$ >> " + pid_file() + "; (setsid sh -c 'echo $$ >> " + pid_file() +
                         "; echo ready; exec sleep 1000 > /dev/null 2>&1' &); exec sleep 1000";
    JobId id = start({"sh", "-c", script});
    wait_until_ready(id);
    stop_leaving_nothing(id, 2, {"--timeout", "20"});
}

// Processes whose command line holds `marker` (a path in the test's own
// home: no other test's process has it), but for the job's worker (whose
// arguments hold the command), which may still be on its way out.
std::vector<pid_t> processes_naming(const std::string& marker) {
    std::vector<pid_t> found;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
        std::string name = entry.path().filename();
        if (name.find_first_not_of("0123456789") != std::string::npos) continue;
        std::ifstream cmdline(entry.path() / "cmdline");
        std::string text((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
        std::ifstream comm(entry.path() / "comm");
        std::string program;
        std::getline(comm, program);
        if (text.find(marker) != std::string::npos && program != "jobctl-worker" && runs(std::stoi(name)))
            found.push_back(std::stoi(name));
    }
    return found;
}

// A chain that, as each link is killed, has already forked the next into a
// session of its own, ignoring SIGTERM: it may outrun any fixed number of
// SIGKILL rounds. cgroup.kill ends it at once. Session containment goes on
// until none is left, but under a loaded machine (a clean-clone CI run,
// TSan) the chain outran its freeze-then-kill rounds for 30 s: that
// mechanism is not tested here (decision 57).
TEST_P(Containment, StopOutlastsAChainThatForksANewSessionAtEveryLink) {
    if (session()) GTEST_SKIP() << "session containment can lose this race on a loaded machine";
    std::string chain = write_file("chain.sh",
                                   "trap '' TERM\n"
                                   "[ \"$1\" -gt 0 ] || exec sleep 1000\n"
                                   "[ \"$1\" = 2000 ] && echo ready\n"
                                   "setsid sh \"$0\" $(($1 - 1)) &\n");
    JobId id = start({"sh", chain, "2000"});
    wait_until_ready(id);
    CliResult stop = jobctl({"stop", std::to_string(id), "--grace", "0.2", "--timeout", "30"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    EXPECT_EQ(repository().find(id)->state, JobState::stopped);
    EXPECT_TRUE(processes_naming(chain).empty()) << processes_naming(chain).size() << " links run on";
}

TEST_P(Containment, StopEndsFiveHundredProcessesEachInASessionOfItsOwn) {
    std::string script = "echo $$ >> " + pid_file() +
                         "; i=0; while [ $i -lt 500 ]; do setsid sleep 1000 & echo $! >> " + pid_file() +
                         "; i=$((i+1)); done; echo ready; wait";
    JobId id = start({"sh", "-c", script});
    wait_for(
        id, [](const JobInfo& job) { return job.output_bytes > 0; }, 60s);
    stop_leaving_nothing(id, 501, {"--timeout", "20"});
}

TEST_P(Containment, StoppingAForeachHalfwayEndsEveryTimeoutChild) {
    std::string child = write_file(
        "child.sh", "echo $$ >> " + pid_file() + "; timeout 40 sh -c 'echo $PPID >> " + pid_file() +
                        "; echo $$ >> " + pid_file() + "; echo ready; exec sleep 40'\n");
    CliResult started =
        jobctl({"foreach", "--as-job", "-q", "-j", "2", "--", "sh", child, ":::", "1", "2", "3", "4"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    std::vector<JobInfo> children = children_of(list_jobs(repository()), parent);
    ASSERT_EQ(children.size(), 4u);
    wait_until_ready(children[0].id);
    wait_until_ready(children[1].id);
    CliResult stop = jobctl({"stop", std::to_string(parent), "--timeout", "10"});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    std::vector<JobInfo> jobs = list_jobs(repository());
    EXPECT_EQ(jobs[0].state, JobState::stopped);
    for (const JobInfo& job : children_of(jobs, parent)) EXPECT_EQ(job.state, JobState::stopped) << job.name;
    std::vector<pid_t> pids = pids_in(pid_file());
    EXPECT_EQ(pids.size(), 6u);  // two children started, three processes each
    EXPECT_TRUE(all_gone(pids)) << still_running(pids);
}

TEST_P(Containment, GetJsonSaysWhichMechanismHoldsTheJob) {
    JobId id = start({"sleep", "100"});
    wait_until_running(id);
    CliResult json = jobctl({"get", std::to_string(id), "--json"});
    ASSERT_EQ(json.exit_code, 0) << json.err;
    EXPECT_NE(json.out.find("\"containment\": \"" + mechanism() + "\""), std::string::npos) << json.out;
}

// The job ends when the last process it started has, not its first: a
// daemon that left the session and let go of the output keeps it Running.
TEST_P(Containment, ADaemonKeepsTheJobRunningUntilItEnds) {
    FifoGate gate(home() + "/go");
    // "ready" once both have written their pid.
    std::string script = "echo $$ >> " + pid_file() + "; (setsid sh -c 'echo $$ >> " + pid_file() + "; " +
                         gate.wait_command() + "' > /dev/null 2>&1 &); while [ $(wc -l < " + pid_file() +
                         ") -lt 2 ]; do sleep 0.01; done; echo ready";
    JobId id = start({"sh", "-c", script});
    wait_until_ready(id);
    std::vector<pid_t> pids = pids_in(pid_file());
    ASSERT_EQ(pids.size(), 2u);
    EXPECT_TRUE(all_gone({pids[0]}));  // the command itself has exited
    EXPECT_EQ(repository().find(id)->state, JobState::running);
    gate.release();
    JobInfo done = wait_for(id, [](const JobInfo& job) { return job.finished(); });
    EXPECT_EQ(done.state, JobState::completed) << done.reason;
    EXPECT_FALSE(runs(pids[1]));
}

// A worker killed with SIGKILL: whoever finds the job lost ends what it
// left (with a cgroup, an escapee in a session of its own too) and, with
// a cgroup, removes it.
TEST_P(Containment, WhatAKilledWorkerLeftIsEndedByWhoeverFindsItLost) {
    // The escapee writes its pid, then says "escaped": output (a change of
    // the job) once every pid is written.
    std::string escapee =
        session() ? ""
                  : "(setsid sh -c \"echo \\$\\$ >> " + pid_file() + "; echo escaped; exec sleep 1000\" &); ";
    JobId id = start(timeout_command(escapee + "exec sleep 40"));
    std::size_t processes = session() ? 3 : 4;
    JobInfo job = wait_for(id, [&](const JobInfo&) { return pids_in(pid_file()).size() == processes; });
    std::vector<pid_t> pids = pids_in(pid_file());
    ASSERT_EQ(pids.size(), processes);
    std::optional<detail::JobCgroup> cgroup =
        detail::JobCgroup::noted_in(detail::table_of(repository()).job_directory(id));
    EXPECT_EQ(cgroup.has_value(), !session());
    ASSERT_EQ(::kill(job.owner_pid, SIGKILL), 0);
    ASSERT_TRUE(all_gone({job.owner_pid}));
    EXPECT_EQ(jobctl({"get", std::to_string(id)}).exit_code, 0);  // finds it lost
    JobInfo lost = *repository().find(id);
    EXPECT_EQ(lost.state, JobState::failed);
    EXPECT_NE(lost.reason.find("worker lost"), std::string::npos) << lost.reason;
    EXPECT_TRUE(all_gone(pids)) << still_running(pids);
    if (cgroup) {
        EXPECT_FALSE(std::filesystem::exists(cgroup->folder())) << cgroup->folder();
    }
}

// The note of a job's cgroup, damaged to name another job's: whoever
// finds the first job lost does not end the second.
TEST_P(Containment, ANoteNamingAnotherJobsCgroupEndsNothingOfIt) {
    if (session()) GTEST_SKIP() << "a cgroup's note: cgroup containment only";
    JobId victim = start({"sleep", "1000"});
    JobId bystander = start({"sleep", "1000"});
    JobInfo job = wait_until_running(victim);
    wait_until_running(bystander);
    auto job_folder = [&](JobId id) { return detail::table_of(repository()).job_directory(id); };
    std::optional<detail::JobCgroup> other = detail::JobCgroup::noted_in(job_folder(bystander));
    ASSERT_TRUE(other.has_value());
    std::ofstream(job_folder(victim) / "cgroup") << other->folder().string() << "\n";
    ASSERT_EQ(::kill(job.owner_pid, SIGKILL), 0);
    ASSERT_TRUE(all_gone({job.owner_pid}));
    EXPECT_EQ(jobctl({"get"}).exit_code, 0);  // finds the victim lost
    EXPECT_EQ(repository().find(victim)->state, JobState::failed);
    EXPECT_EQ(repository().find(bystander)->state, JobState::running);
    EXPECT_TRUE(std::filesystem::exists(other->folder()));
}

// As root a process may move itself out of the job's cgroup, or into one
// of its own below it: it is still below the worker, and a stop ends it.
TEST_P(Containment, AProcessThatMovedOutOfTheCgroupIsStoppedToo) {
    if (session()) GTEST_SKIP() << "moving between cgroups: cgroup containment only";
    FifoGate gate(home() + "/go");
    std::string target = home() + "/target";
    std::string mover = "(setsid sh -c '" + gate.wait_command() + "; echo $$ > \"$(cat " + target +
                        ")\"; echo $$ >> " + pid_file() +
                        "; trap \"\" TERM; echo moved; exec sleep 1000' &); ";
    JobId id = start({"sh", "-c", "echo $$ >> " + pid_file() + "; " + mover + "exec sleep 1000"});
    wait_until_running(id);
    std::optional<detail::JobCgroup> cgroup =
        detail::JobCgroup::noted_in(detail::table_of(repository()).job_directory(id));
    ASSERT_TRUE(cgroup.has_value());
    // Out to the top of the hierarchy (the cgroups' base for root).
    std::ofstream(target) << (cgroup->folder().parent_path().parent_path() / "cgroup.procs").string();
    gate.release();
    wait_for(id, [](const JobInfo& now) { return now.output_bytes > 0; });
    std::vector<pid_t> pids = pids_in(pid_file());
    ASSERT_EQ(pids.size(), 2u);
    stop_leaving_nothing(id, 2, {"--grace", "0.2", "--timeout", "20"});
    EXPECT_FALSE(std::filesystem::exists(cgroup->folder()));
}

INSTANTIATE_TEST_SUITE_P(Mechanisms, Containment, ::testing::Values("cgroup", "session", "unprivileged"),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace jobctl::test
