// start --after (dependencies) and --queue (a queue with N slots): the
// worker of a Blocked job waits for its turn itself, with no daemon.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fifo_gate.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {
namespace {

class StartConditions : public JobctlTest {
protected:
    // A command that appends `word` to the test's order file.
    std::vector<std::string> note(const std::string& word) {
        return {"sh", "-c", "echo " + word + " >> '" + home() + "/order'"};
    }
    std::string order() {
        std::ifstream file(home() + "/order");
        std::stringstream text;
        text << file.rdbuf();
        return text.str();
    }
    JobInfo kill_worker(JobId id) {
        JobInfo job = *repository().find(id);
        ::kill(job.owner_pid, SIGKILL);
        ::waitpid(job.owner_pid, nullptr, 0);  // we are its subreaper
        return job;
    }
};

TEST_F(StartConditions, ChainRunsInOrder) {
    // a waits at a gate: b and c are surely Blocked until the test opens it.
    FifoGate gate(home() + "/go");
    JobId a =
        start_with({"--name", "a"}, {"sh", "-c", gate.wait_command() + "; echo a >> '" + home() + "/order'"});
    JobId b = start_with({"--name", "b", "--after", "a"}, note("b"));
    JobId c = start_with({"--name", "c", "--after", std::to_string(b)}, note("c"));
    EXPECT_EQ(repository().find(b)->state, JobState::blocked);
    EXPECT_EQ(repository().find(c)->state, JobState::blocked);
    EXPECT_EQ(repository().find(c)->after, std::vector<JobId>{b});
    gate.release();
    JobInfo last = wait_until_finished(c);
    EXPECT_EQ(last.state, JobState::completed) << last.reason;
    EXPECT_EQ(order(), "a\nb\nc\n");
    JobInfo first = *repository().find(a), second = *repository().find(b);
    EXPECT_GE(*second.began, *first.ended);
    EXPECT_GE(*last.began, *second.ended);
}

TEST_F(StartConditions, FailedDependencyFailsTheChainUnlessAnyOutcome) {
    JobId a = start_with({"--name", "a"}, {"sh", "-c", "exit 3"});
    JobId b = start_with({"--name", "b", "--after", "a"}, note("b"));
    JobId c = start_with({"--name", "c", "--after", "b"}, note("c"));
    JobId d = start_with({"--name", "d", "--after", "a", "--after-any-outcome"}, note("d"));
    JobInfo second = wait_until_finished(b), third = wait_until_finished(c), fourth = wait_until_finished(d);
    EXPECT_EQ(second.state, JobState::failed);
    EXPECT_EQ(second.reason, "dependency " + std::to_string(a) + " (a) ended Failed");
    EXPECT_FALSE(second.began) << "it never ran";
    EXPECT_EQ(third.reason, "dependency " + std::to_string(b) + " (b) ended Failed");
    EXPECT_EQ(fourth.state, JobState::completed) << fourth.reason;
    EXPECT_EQ(order(), "d\n");
    CliResult waited = jobctl({"wait", "c"});
    EXPECT_EQ(waited.exit_code, 1);
}

TEST_F(StartConditions, BadConditionsAreRefusedAndRegisterNothing) {
    for (const std::vector<std::string>& options :
         std::vector<std::vector<std::string>>{{"--after", "999"},
                                               {"--after", "nosuchjob"},
                                               {"--queue", "has space"},
                                               {"--queue", std::string(40, 'q')},
                                               {"--after-any-outcome", "--after", ""}}) {
        std::vector<std::string> args{"start"};
        args.insert(args.end(), options.begin(), options.end());
        args.insert(args.end(), {"--", "true"});
        CliResult result = jobctl(args);
        EXPECT_NE(result.exit_code, 0) << options[1];
        EXPECT_EQ(std::ranges::count(result.err, '\n'), 1) << result.err;
    }
    EXPECT_TRUE(repository().list().empty());
    EXPECT_EQ(jobctl({"queue", "q", "--slots", "100001"}).exit_code, 2);
    EXPECT_EQ(jobctl({"queue", "--slots", "2"}).exit_code, 2);
}

TEST_F(StartConditions, NeededJobIsKeptUnlessForced) {
    JobId holder = start({"sleep", "100"}, "holder");
    JobId a = start({"true"}, "a");
    wait_until_finished(a);
    JobId b = start_with({"--after", "a,holder"}, note("b"));
    CliResult refused = jobctl({"remove", "a"});
    EXPECT_EQ(refused.exit_code, 5) << refused.err;
    EXPECT_NE(refused.err.find("is needed by job " + std::to_string(b)), std::string::npos) << refused.err;
    ASSERT_TRUE(repository().find(a));
    EXPECT_EQ(jobctl({"remove", "--force", "a"}).exit_code, 0);
    EXPECT_FALSE(repository().find(a));
    EXPECT_EQ(jobctl({"stop", "holder"}).exit_code, 0);
    JobInfo dependent = wait_until_finished(b);
    EXPECT_EQ(dependent.state, JobState::failed);
    EXPECT_EQ(dependent.reason, "dependency " + std::to_string(a) + " was removed");
    (void)holder;
}

// A parent goes with its children: one that a job runs after keeps the
// whole family, as it keeps itself when removed alone.
TEST_F(StartConditions, AParentWhoseChildIsNeededIsKeptUnlessForced) {
    JobId holder = start({"sleep", "100"}, "holder");
    CliResult family = jobctl({"foreach", "-q", "--as-job", "--name", "fe", "--", "echo", ":::", "a", "b"});
    ASSERT_EQ(family.exit_code, 0) << family.err;
    JobId parent = static_cast<JobId>(std::stoul(family.out));
    wait_until_finished(parent);
    JobId dependent = start_with({"--after", "fe:2,holder"}, note("dependent"));
    for (const char* name : {"fe:2", "fe"}) {
        CliResult refused = jobctl({"remove", name});
        EXPECT_EQ(refused.exit_code, 5) << name << ": " << refused.err;
        EXPECT_NE(refused.err.find("job " + std::to_string(parent + 2) + " (fe:2) is needed by job " +
                                   std::to_string(dependent)),
                  std::string::npos)
            << refused.err;
    }
    EXPECT_TRUE(repository().find(parent + 2));
    EXPECT_EQ(jobctl({"remove", "--force", "fe"}).exit_code, 0);
    EXPECT_FALSE(repository().find(parent + 2));
    (void)holder;
}

TEST_F(StartConditions, StoppedWhileBlockedNeverRuns) {
    JobId holder = start({"sleep", "100"});
    JobId after = start_with({"--after", std::to_string(holder)}, note("after"));
    JobId queued = start_with({"--queue", "q"}, {"sleep", "100"});
    JobId in_line = start_with({"--queue", "q"}, note("in-line"));
    wait_for(in_line, [](const JobInfo& job) { return job.in_line; });
    EXPECT_EQ(jobctl({"stop", std::to_string(after), std::to_string(in_line)}).exit_code, 0);
    for (JobId id : {after, in_line}) {
        JobInfo job = *repository().find(id);
        EXPECT_EQ(job.state, JobState::stopped);
        EXPECT_EQ(job.reason, "stopped before it started");
    }
    // The holder's worker may not have started its command yet: wait for it,
    // rather than race it (it stays Running: nothing stops it).
    EXPECT_EQ(wait_until_running(holder).state, JobState::running);
    EXPECT_EQ(repository().find(queued)->state, JobState::running);
    EXPECT_EQ(order(), "");
}

// Watches the table on every change until all `ids` have finished: the most
// of them ever Running (or Stopping) at once, and whether they started in
// order (no job seen started before a job with a lower id). A job's turn is
// taken under the lock, so any look that sees a job started sees every job
// ahead of it started too: this holds whatever the timing.
struct QueueWatch {
    std::size_t most_running = 0;
    bool in_order = true;
};

QueueWatch watch_queue(Repository& repository, const std::vector<JobId>& ids) {
    detail::JobTable& table = detail::table_of(repository);
    QueueWatch watch;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    for (;;) {
        std::uint32_t seen = table.change_count(detail::JobTable::Changes::of_state);
        std::size_t running = 0, finished = 0;
        bool gap = false;  // a job not started yet, with one after it started
        // One snapshot (one lock): jobs looked up one by one could each be
        // seen at another moment.
        for (const JobInfo& job : repository.list()) {  // in id order
            if (std::ranges::find(ids, job.id) == ids.end()) continue;
            bool started = job.state != JobState::blocked;
            if (started && gap) watch.in_order = false;
            gap = gap || !started;
            running += job.state == JobState::running || job.state == JobState::stopping;
            finished += job.finished();
        }
        watch.most_running = std::max(watch.most_running, running);
        if (finished == ids.size() || std::chrono::steady_clock::now() > deadline) return watch;
        table.wait_for_change(seen, std::chrono::seconds(1), detail::JobTable::Changes::of_state);
    }
}

TEST_F(StartConditions, QueueRunsAtMostItsSlotsInOrder) {
    ASSERT_EQ(jobctl({"queue", "builds", "--slots", "2"}).exit_code, 0);
    std::vector<JobId> ids;
    for (int i = 1; i <= 6; ++i)
        ids.push_back(
            start_with({"--queue", "builds"}, {"sh", "-c", "sleep 0.1; echo " + std::to_string(i)}));
    CliResult listed = jobctl({"queue"});
    EXPECT_EQ(listed.out.substr(0, listed.out.find('\n')), "Queue   Slots  Running  Blocked") << listed.out;
    QueueWatch watch = watch_queue(repository(), ids);
    EXPECT_LE(watch.most_running, 2u);
    EXPECT_TRUE(watch.in_order);
    std::vector<JobInfo> jobs = repository().list();
    ASSERT_EQ(jobs.size(), 6u);
    for (std::size_t i = 0; i < jobs.size(); ++i) {
        EXPECT_EQ(jobs[i].state, JobState::completed) << jobs[i].reason;
        // Never a third one while two hold the slots.
        if (i >= 2) {
            EXPECT_GE(*jobs[i].began, std::min(*jobs[i - 1].ended, *jobs[i - 2].ended));
        }
    }
    CliResult table = jobctl({"get"});
    EXPECT_NE(table.out.find("Queue"), std::string::npos) << table.out;
    EXPECT_NE(jobctl({"get", "--json", "1"}).out.find("\"queue\": \"builds\""), std::string::npos);
}

// --slots 0 drains a queue: the running job finishes, none starts, the
// jobs in line say why; raised again, the next ones start at once.
TEST_F(StartConditions, APausedQueueLetsItsRunningJobFinishAndStartsNoMore) {
    std::string go = home() + "/go";
    JobId running =
        start_with({"--queue", "q"}, {"sh", "-c", "while [ ! -e " + go + " ]; do sleep 0.05; done"});
    wait_until_running(running);
    JobId first = start_with({"--queue", "q"}, note("first"));
    JobId second = start_with({"--queue", "q"}, note("second"));
    wait_for(second, [](const JobInfo& job) { return job.in_line; });
    ASSERT_EQ(jobctl({"queue", "q", "--slots", "0"}).exit_code, 0);
    std::ofstream(go) << "go\n";
    EXPECT_EQ(wait_until_finished(running).state, JobState::completed);
    const std::string paused = "queue q is paused (jobctl queue q --slots N resumes it)";
    JobInfo waiting = wait_for(first, [&](const JobInfo& job) { return job.reason == paused; });
    EXPECT_EQ(waiting.state, JobState::blocked);
    EXPECT_EQ(repository().find(second)->state, JobState::blocked);
    CliResult listed = jobctl({"queue", "q"});
    EXPECT_NE(listed.out.find("q      paused  0        2"), std::string::npos) << listed.out;
    EXPECT_NE(jobctl({"queue", "q", "--json"}).out.find("\"paused\": true"), std::string::npos);
    EXPECT_EQ(order(), "");  // nothing started while paused

    ASSERT_EQ(jobctl({"queue", "q", "--slots", "2"}).exit_code, 0);
    for (JobId id : {first, second}) {
        JobInfo job = wait_until_finished(id);
        EXPECT_EQ(job.state, JobState::completed) << job.reason;
        EXPECT_EQ(job.reason, "");
    }
    std::string ran = order();  // both, in either order: two slots
    EXPECT_TRUE(ran == "first\nsecond\n" || ran == "second\nfirst\n") << ran;
}

// A queue starts the higher priority first, then the earlier start;
// set-priority moves a waiting job; `queue NAME` lists the line in order.
TEST_F(StartConditions, AHigherPriorityStartsFirstAndSetPriorityMovesAWaitingJob) {
    FifoGate gate(home() + "/gate");
    JobId holder = start_with({"--queue", "q"}, {"sh", "-c", gate.wait_command()});
    wait_until_running(holder);
    JobId a = start_with({"--queue", "q"}, note("a"));
    JobId b = start_with({"--queue", "q"}, note("b"));
    JobId c = start_with({"--queue", "q"}, note("c"));
    JobId urgent = start_with({"--queue", "q", "--priority", "10"}, note("urgent"));
    CliResult moved = jobctl({"set-priority", std::to_string(c), "5"});
    EXPECT_EQ(moved.exit_code, 0) << moved.err;
    CliResult line = jobctl({"queue", "q"});
    std::vector<std::string> rows = lines_of(line.out);
    ASSERT_EQ(rows.size(), 8u) << line.out;
    EXPECT_TRUE(rows[3].starts_with("Place")) << line.out;
    for (auto [row, id] : {std::pair{4, urgent}, {5, c}, {6, a}, {7, b}})
        EXPECT_NE(rows[row].find(" " + std::to_string(id) + " "), std::string::npos) << line.out;
    EXPECT_NE(jobctl({"queue", "q", "--json"}).out.find("\"line\""), std::string::npos);
    gate.release();
    for (JobId id : {a, b, c, urgent}) EXPECT_EQ(wait_until_finished(id).state, JobState::completed);
    EXPECT_EQ(order(), "urgent\nc\na\nb\n");
    EXPECT_EQ(repository().find(urgent)->priority, 10);

    CliResult finished = jobctl({"set-priority", std::to_string(a), "3"});
    EXPECT_EQ(finished.exit_code, 0);
    EXPECT_NE(finished.err.find("is Completed: nothing to change"), std::string::npos) << finished.err;
    EXPECT_EQ(jobctl({"set-priority", "999", "3"}).exit_code, 3);
    EXPECT_EQ(jobctl({"start", "--priority", "3", "--", "true"}).exit_code, 2);
    EXPECT_EQ(jobctl({"start", "--queue", "q", "--priority", "1000001", "--", "true"}).exit_code, 2);
    JobId alone = start({"true"});
    CliResult no_queue = jobctl({"set-priority", std::to_string(alone), "3"});
    EXPECT_EQ(no_queue.exit_code, 2);
    EXPECT_NE(no_queue.err.find("in no queue"), std::string::npos) << no_queue.err;
}

TEST_F(StartConditions, KilledWorkersLeaveTheQueueUsable) {
    JobId holder = start_with({"--queue", "q"}, {"sleep", "100"});
    wait_until_running(holder);
    JobId lost = start_with({"--queue", "q"}, note("lost"));
    JobId next = start_with({"--queue", "q"}, note("next"));
    wait_for(next, [](const JobInfo& job) { return job.in_line; });
    kill_worker(lost);    // in line: it held nothing
    kill_worker(holder);  // the first in line sees it go (a pidfd) and takes the slot
    JobInfo ran = wait_until_finished(next);
    EXPECT_EQ(ran.state, JobState::completed) << ran.reason;
    EXPECT_EQ(order(), "next\n");
    for (JobId id : {holder, lost}) {
        JobInfo job = *repository().find(id);
        EXPECT_EQ(job.state, JobState::failed);
        EXPECT_EQ(job.reason.rfind("worker lost", 0), 0u) << job.reason;
    }
    EXPECT_EQ(start_with({"--queue", "q"}, note("later")) != 0, true);
    EXPECT_EQ(wait_until_finished(next + 1).state, JobState::completed);
}

}  // namespace
}  // namespace jobctl::test
