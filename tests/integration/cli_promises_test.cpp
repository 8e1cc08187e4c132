// Promises of the command line checked through the real jobctl binary:
// stop --no-wait and suspend --no-wait finish their work after the CLI has
// exited, Ctrl-C of a foreground foreach, queue --slots raised while jobs
// wait, queue --json, get --newest N, and the order of stdout and stderr
// through `jobctl receive`, `run` and `foreach`, which write in blocks. Every job that must not end by itself
// waits at a FIFO gate; every wait goes through the repository.

#include <signal.h>

#include <algorithm>
#include <regex>

#include "fifo_gate.hpp"
#include "held_still.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "output/output_log.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

using CliPromises = JobctlTest;

// The ids in the first column of a `jobctl get` table.
std::vector<JobId> ids_listed(const std::string& table) {
    std::vector<JobId> ids;
    std::vector<std::string> lines = lines_of(table);
    for (std::size_t i = 1; i < lines.size(); ++i) ids.push_back(static_cast<JobId>(std::stoul(lines[i])));
    return ids;
}

// A job that ignores SIGTERM: only the SIGKILL after the grace period ends it.
TEST_F(CliPromises, StopNoWaitEscalatesAfterTheCliHasExited) {
    FifoGate gate(home() + "/never");
    JobId id = start({"sh", "-c", "trap '' TERM; echo ready; " + gate.wait_command()});
    wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });  // the trap is set
    // A grace of 3 s: the CLI returns long before it ends (a bound of seconds, no race on a sleep).
    CliResult stop = jobctl({"stop", "--no-wait", "--grace", "3", std::to_string(id)});
    EXPECT_EQ(stop.exit_code, 0) << stop.err;
    JobInfo after_cli = *repository().find(id);
    EXPECT_EQ(after_cli.state, JobState::stopping) << "stop --no-wait waited, or the grace was cut short";
    EXPECT_TRUE(after_cli.stop_requested);
    // Nobody runs jobctl any more: the SIGKILL must still come.
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::stopped) << job.reason;
    EXPECT_EQ(job.term_signal, SIGKILL);
    EXPECT_TRUE(wait_for_group_gone(after_cli.process_id));
}

TEST_F(CliPromises, SuspendNoWaitIsCarriedOutAfterTheCliHasExited) {
    FifoGate gate(home() + "/go");
    JobId id = start({"sh", "-c", "echo ready; " + gate.wait_command() + "; echo done"});
    JobInfo running = wait_for(id, [](const JobInfo& job) { return job.output_bytes > 0; });
    CliResult suspend = jobctl({"suspend", "--no-wait", std::to_string(id)});
    EXPECT_EQ(suspend.exit_code, 0) << suspend.err;
    EXPECT_TRUE(repository().find(id)->suspend_requested);
    JobInfo suspended = wait_for(id, [](const JobInfo& job) { return job.state == JobState::suspended; });
    EXPECT_EQ(suspended.state, JobState::suspended);
    EXPECT_TRUE(group_held_still(running.process_id));
    // Released while suspended, the job does not go on until resumed.
    gate.release();
    ASSERT_EQ(jobctl({"resume", std::to_string(id)}).exit_code, 0);
    JobInfo job = wait_until_finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "ready\ndone\n");
}

// Ctrl-C reaches the foreground jobctl (the terminal's process group; the
// children's commands run in groups of their own): it stops every child,
// the running and the waiting ones, and exits 130.
TEST_F(CliPromises, InterruptedForegroundForeachStopsItsChildrenAndExits130) {
    FifoGate gate(home() + "/never");
    CliProcess foreach ({"jobctl", "foreach", "--keep-jobs", "--name", "fg", "-j", "2", "--", "sh", "-c",
                         gate.wait_command(), ":::", "a", "b", "c"});
    // The parent is 1, its children 2, 3 and 4: two run, one waits for a thread.
    auto both_running = wait_until(
        repository(), {2, 3},
        [](const std::vector<JobInfo>& jobs) {
            return jobs.size() == 2 && std::ranges::all_of(jobs, [](const JobInfo& job) {
                       return job.state == JobState::running && job.process_id != 0;
                   });
        },
        deadline_after(std::chrono::seconds(20)));
    ASSERT_TRUE(both_running) << jobctl({"get", "--include-children"}).out;
    ::kill(foreach.pid(), SIGINT);
    CliResult result = foreach.finish();
    EXPECT_EQ(result.exit_code, 128 + SIGINT) << result.err;
    std::vector<JobInfo> jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 4u) << jobctl({"get", "--include-children"}).out;
    EXPECT_EQ(jobs[0].name, "fg");
    EXPECT_EQ(jobs[0].state, JobState::stopped) << jobs[0].reason;
    for (const JobInfo& child : children_of(jobs, jobs[0].id)) {
        EXPECT_EQ(child.state, JobState::stopped) << child.name << ": " << child.reason;
        if (child.process_id != 0) {
            EXPECT_TRUE(wait_for_group_gone(child.process_id)) << child.name;
        }
    }
}

TEST_F(CliPromises, RaisingAQueuesSlotsStartsTheJobsWaitingInIt) {
    FifoGate gate(home() + "/go");
    ASSERT_EQ(jobctl({"queue", "q", "--slots", "1"}).exit_code, 0);
    std::vector<JobId> ids;
    for (int i = 0; i < 3; ++i) {
        CliResult started = jobctl({"start", "-q", "--queue", "q", "--", "sh", "-c", gate.wait_command()});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        ids.push_back(static_cast<JobId>(std::stoul(started.out)));
    }
    wait_for(ids[0], [](const JobInfo& job) { return job.state == JobState::running; });
    for (JobId id : {ids[1], ids[2]}) {
        JobInfo waiting = wait_for(id, [](const JobInfo& job) { return job.in_line; });
        EXPECT_EQ(waiting.state, JobState::blocked);
    }
    CliResult raised = jobctl({"queue", "q", "--slots", "3"});
    EXPECT_EQ(raised.exit_code, 0) << raised.err;
    // The two waiting workers see the new limit themselves, with no jobctl running.
    for (JobId id : {ids[1], ids[2]})
        wait_for(id, [](const JobInfo& job) { return job.state == JobState::running; });
    for (int i = 0; i < 3; ++i) gate.release();
    for (JobId id : ids) EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
}

TEST_F(CliPromises, QueueJsonListsEachQueueWithItsCounts) {
    FifoGate gate(home() + "/go");
    ASSERT_EQ(jobctl({"queue", "builds", "--slots", "1"}).exit_code, 0);
    JobId holder = 0, waiter = 0;
    for (JobId* id : {&holder, &waiter}) {
        CliResult started =
            jobctl({"start", "-q", "--queue", "builds", "--", "sh", "-c", gate.wait_command()});
        ASSERT_EQ(started.exit_code, 0) << started.err;
        *id = static_cast<JobId>(std::stoul(started.out));
    }
    wait_for(holder, [](const JobInfo& job) { return job.state == JobState::running; });
    wait_for(waiter, [](const JobInfo& job) { return job.in_line; });
    CliResult listed = jobctl({"queue", "--json"});
    EXPECT_EQ(listed.exit_code, 0) << listed.err;
    std::string compact = std::regex_replace(listed.out, std::regex("\\s+"), "");
    EXPECT_EQ(compact, R"({"queues":[{"name":"builds","slots":1,"paused":false,"running":1,"blocked":1}]})")
        << listed.out;
    CliResult one = jobctl({"queue", "nobody-used", "--json"});
    EXPECT_EQ(
        std::regex_replace(one.out, std::regex("\\s+"), ""),
        R"({"queues":[{"name":"nobody-used","slots":1,"paused":false,"running":0,"blocked":0}],"line":[]})")
        << one.out;
    // One queue: its line too, the waiting jobs' ids in the order it starts them.
    CliResult builds = jobctl({"queue", "builds", "--json"});
    EXPECT_NE(std::regex_replace(builds.out, std::regex("\\s+"), "")
                  .find(R"("line":[)" + std::to_string(waiter) + "]"),
              std::string::npos)
        << builds.out;
    gate.release();
    gate.release();
    wait_until_finished(waiter);
}

TEST_F(CliPromises, GetNewestListsOnlyTheMostRecentlyStarted) {
    std::vector<JobId> ids;
    for (const char* name : {"x1", "y2", "x3", "x4"}) ids.push_back(start({"true"}, name));
    for (JobId id : ids) wait_until_finished(id);
    CliResult newest = jobctl({"get", "--newest", "2"});
    EXPECT_EQ(newest.exit_code, 0) << newest.err;
    EXPECT_EQ(ids_listed(newest.out), (std::vector<JobId>{ids[2], ids[3]})) << newest.out;
    // After the other filters: the newest of those that pass them.
    CliResult named = jobctl({"get", "x*", "--newest", "2"});
    EXPECT_EQ(ids_listed(named.out), (std::vector<JobId>{ids[2], ids[3]})) << named.out;
    CliResult by_name = jobctl({"get", "y2", "x1", "--newest", "1"});
    EXPECT_EQ(ids_listed(by_name.out), (std::vector<JobId>{ids[1]})) << by_name.out;
    CliResult more = jobctl({"get", "--newest", "10"});
    EXPECT_EQ(ids_listed(more.out), ids) << more.out;
    EXPECT_EQ(jobctl({"get", "--newest", "0"}).exit_code, 2);
}

// As RelativeOrderOfStdoutAndStderrSurvives, but through `jobctl receive`
// with both streams on one pipe: it writes each record to its stream in the
// order of the log, flushed, so the interleaving survives.
TEST_F(CliPromises, ReceiveKeepsTheOrderOfStdoutAndStderr) {
    FifoGate gate(home() + "/next");
    std::string wait = gate.wait_command();
    JobId id = start(
        {"sh", "-c", "echo 1; " + wait + "; echo 2 >&2; " + wait + "; echo 3; " + wait + "; echo 4 >&2"});
    std::uint64_t seen = 0;
    for (int line = 1; line < 4; ++line) {
        seen = wait_for(id, [&](const JobInfo& job) { return job.output_bytes > seen; }).output_bytes;
        gate.release();
    }
    wait_until_finished(id);
    CliResult merged = shell("jobctl receive --keep " + std::to_string(id) + " 2>&1");
    EXPECT_EQ(merged.exit_code, 0);
    EXPECT_EQ(merged.out, "1\n2\n3\n4\n");
    CliResult apart = jobctl({"receive", std::to_string(id)});
    EXPECT_EQ(apart.out, "1\n3\n");
    EXPECT_EQ(apart.err, "2\n4\n");
}

// Many short lines on both streams, in bursts: what the printers keep to
// write in large blocks comes out byte-exact, each stream whole, and with
// both streams on one pipe in the log's order (a write at every switch).
std::string bursts_script(int lines) {
    return "i=0; while [ $i -lt " + std::to_string(lines) +
           " ]; do echo out $i; echo out more $i; echo err $i >&2; i=$((i+1)); done";
}

std::string expected_lines(int lines, bool out) {
    std::string text;
    for (int i = 0; i < lines; ++i)
        text += out ? "out " + std::to_string(i) + "\nout more " + std::to_string(i) + "\n"
                    : "err " + std::to_string(i) + "\n";
    return text;
}

TEST_F(CliPromises, ManyShortLinesOnBothStreamsKeepTheLogsOrderThroughReceive) {
    constexpr int kLines = 20000;
    JobId id = start({"sh", "-c", bursts_script(kLines)});
    JobInfo job = wait_until_finished(id);
    std::string in_log_order;
    OutputLogReader reader(detail::table_of(repository()).job_directory(id));
    reader.read(0, job.output_bytes,
                [&](OutputStream, std::string_view bytes) { in_log_order.append(bytes); });
    CliResult merged = shell("jobctl receive --keep " + std::to_string(id) + " 2>&1");
    EXPECT_EQ(merged.exit_code, 0);
    EXPECT_TRUE(merged.out == in_log_order) << "merged output differs from the log's order";
    CliResult apart = jobctl({"receive", std::to_string(id)});
    EXPECT_TRUE(apart.out == expected_lines(kLines, true));
    EXPECT_TRUE(apart.err == expected_lines(kLines, false));
}

TEST_F(CliPromises, ManyShortLinesComeWholeThroughReceiveWaitRunAndForeach) {
    constexpr int kLines = 5000;
    JobId id = start({"sh", "-c", bursts_script(kLines)});
    CliResult followed = jobctl({"receive", "--wait", std::to_string(id)});
    EXPECT_EQ(followed.exit_code, 0) << followed.err;
    EXPECT_TRUE(followed.out == expected_lines(kLines, true));
    EXPECT_TRUE(followed.err == expected_lines(kLines, false));

    CliResult run = jobctl({"run", "--", "sh", "-c", bursts_script(kLines)});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    EXPECT_TRUE(run.out == expected_lines(kLines, true));
    EXPECT_TRUE(run.err == expected_lines(kLines, false));

    // Each child's output whole, in input order: in the foreground, and
    // received from a foreach run as a job.
    std::vector<std::string> foreach{"foreach", "-q", "-j", "2", "--", "sh", "-c", bursts_script(kLines),
                                     ":::",     "a",  "b",  "c"};
    std::string three_out =
        expected_lines(kLines, true) + expected_lines(kLines, true) + expected_lines(kLines, true);
    std::string three_err =
        expected_lines(kLines, false) + expected_lines(kLines, false) + expected_lines(kLines, false);
    CliResult foreground = jobctl(foreach);
    EXPECT_EQ(foreground.exit_code, 0) << foreground.err;
    EXPECT_TRUE(foreground.out == three_out);
    EXPECT_TRUE(foreground.err == three_err);

    foreach
        .insert(foreach.begin() + 1, "--as-job");
    CliResult as_job = jobctl(foreach);
    ASSERT_EQ(as_job.exit_code, 0) << as_job.err;
    CliResult received = jobctl({"receive", "--wait", lines_of(as_job.out).at(0)});
    EXPECT_EQ(received.exit_code, 0) << received.err;
    EXPECT_TRUE(received.out == three_out);
    EXPECT_TRUE(received.err == three_err);
}

}  // namespace
}  // namespace jobctl::test
