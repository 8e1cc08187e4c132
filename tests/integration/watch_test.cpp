// Events: `jobctl watch` and JobEventStream report every state change of
// every job once, in order, also when many happen between two wake-ups.

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <regex>

#include "jobctl/job_events.hpp"
#include "jobctl/thread_job_host.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Watch = JobctlTest;

struct Event {
    std::string kind, from, state;
};

// id -> its events, from `watch --json` lines.
std::map<JobId, std::vector<Event>> events_by_job(const std::string& path) {
    static const std::regex kField("\"(event|id|from|state)\": ?\"?([A-Za-z0-9]+)\"?");
    std::map<JobId, std::vector<Event>> events;
    std::ifstream in(path);
    for (std::string line; std::getline(in, line);) {
        std::map<std::string, std::string> fields;
        for (std::sregex_iterator it(line.begin(), line.end(), kField), end; it != end; ++it)
            fields[(*it)[1]] = (*it)[2];
        events[static_cast<JobId>(std::stoul(fields["id"]))].push_back(
            {fields["event"], fields["from"], fields["state"]});
    }
    return events;
}

std::string describe(const std::vector<Event>& events) {
    std::string text;
    for (const Event& event : events) text += event.kind + ":" + event.from + ">" + event.state + " ";
    return text;
}

TEST_F(Watch, ReportsEveryTransitionOnceThroughABurstOfJobs) {
    std::string path = home() + "/watch.jsonl";
    CliProcess watch({"sh", "-c", "exec jobctl watch --json > '" + path + "'"});
    ASSERT_TRUE(asleep_on_the_repository(watch.pid()));
    std::vector<JobId> ids;
    for (int i = 0; i < 200; ++i) ids.push_back(start({"true"}));
    for (JobId id : ids) wait_until_finished(id);
    // Every ending read before the removes: a job removed before the watch
    // looked at it again can only be reported removed in the state it last saw.
    ASSERT_TRUE(asleep_on_the_repository(watch.pid()));
    ASSERT_EQ(jobctl({"remove", "--finished"}).exit_code, 0);
    ASSERT_TRUE(asleep_on_the_repository(watch.pid()));  // it has read every change
    ::kill(watch.pid(), SIGINT);
    watch.finish();
    auto events = events_by_job(path);
    EXPECT_EQ(events.size(), ids.size());
    for (JobId id : ids)
        EXPECT_EQ(describe(events[id]),
                  "created:>NotStarted state:NotStarted>Running state:Running>Completed removed:>Completed ")
            << "job " << id;
}

TEST_F(Watch, NamedJobsEndItWithWaitsExitStatus) {
    // Each job waits for a line on a FIFO of its own: opening it to write
    // blocks until the job has it open, so no line is written too early.
    std::string go_pass = home() + "/pass", go_fail = home() + "/fail";
    ASSERT_EQ(::mkfifo(go_pass.c_str(), 0600), 0);
    ASSERT_EQ(::mkfifo(go_fail.c_str(), 0600), 0);
    JobId passes = start({"sh", "-c", "read line < '" + go_pass + "'"}, "passes");
    JobId fails = start({"sh", "-c", "read line < '" + go_fail + "'; exit 3"}, "fails");
    wait_until_running(passes);
    wait_until_running(fails);
    CliProcess watch({"jobctl", "watch", "passes", "fails"});
    ASSERT_TRUE(asleep_on_the_repository(watch.pid()));
    for (const std::string& fifo : {go_pass, go_fail}) std::ofstream(fifo) << "go\n";
    CliResult result = watch.finish();
    EXPECT_EQ(result.exit_code, 1) << result.err;
    EXPECT_NE(result.out.find(std::to_string(passes) + "  passes  Running -> Completed"), std::string::npos)
        << result.out;
    EXPECT_NE(result.out.find(std::to_string(fails) + "  fails  Running -> Failed: exited with code 3"),
              std::string::npos)
        << result.out;
    EXPECT_NE(result.err.find("job " + std::to_string(fails) + " (fails) Failed"), std::string::npos);
}

TEST_F(Watch, StreamReportsStatesAndProgressOfThreadJobs) {
    JobEventStream events(repository());
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    ThreadJobHost host(repository(), {.throttle_limit = 1});
    Job job = host.start("counting", [released](JobContext& context) {
        context.progress(0.5, "half way");
        context.flush();  // written now, not at most 10 times a second
        released.wait();
    });
    std::vector<JobEvent> seen;
    auto has_progress = [&] {
        return std::ranges::any_of(seen,
                                   [](const JobEvent& e) { return e.kind == JobEvent::Kind::progress; });
    };
    while (!has_progress()) {
        auto batch = events.next(std::chrono::steady_clock::now() + std::chrono::seconds(20));
        ASSERT_FALSE(batch.empty()) << "no progress event";
        seen.insert(seen.end(), batch.begin(), batch.end());
    }
    CliResult get = jobctl({"get", std::to_string(job.id())});
    EXPECT_NE(get.out.find("Progress"), std::string::npos) << get.out;
    EXPECT_NE(get.out.find("50% half way"), std::string::npos) << get.out;
    EXPECT_NE(jobctl({"get", "--json", "counting"}).out.find("\"progress_text\": \"half way\""),
              std::string::npos);
    release.set_value();
    job.wait();
    while (seen.back().kind != JobEvent::Kind::state_changed || seen.back().state != JobState::completed) {
        auto batch = events.next(std::chrono::steady_clock::now() + std::chrono::seconds(20));
        ASSERT_FALSE(batch.empty()) << "no Completed event";
        seen.insert(seen.end(), batch.begin(), batch.end());
    }
    std::string states;
    for (const JobEvent& event : seen)
        if (event.kind != JobEvent::Kind::progress) states += std::string(to_string(event.state)) + " ";
    EXPECT_EQ(states, "NotStarted Running Completed ");
}

// What `get --watch` redraws on: output arriving and being received moves
// HasMoreData, which no state change says.
TEST_F(Watch, OnlyAStreamAskedForUpdatesReportsOutput) {
    JobEventStream states(repository());
    JobEventStream updates(repository(), {.updates = true});
    std::promise<void> speak, end;
    std::shared_future<void> spoken = speak.get_future().share(), ended = end.get_future().share();
    ThreadJobHost host(repository(), {.throttle_limit = 1});
    Job job = host.start("talking", [spoken, ended](JobContext& context) {
        spoken.wait();
        context.out() << "hello" << std::endl;
        ended.wait();
    });
    // The next event of the job that `wanted` takes, within 20 s.
    auto next_event = [&](const std::function<bool(const JobEvent&)>& wanted) {
        for (;;) {
            auto batch = updates.next(std::chrono::steady_clock::now() + std::chrono::seconds(20));
            if (batch.empty()) return false;
            for (const JobEvent& event : batch)
                if (event.job.id == job.id() && wanted(event)) return true;
        }
    };
    auto update_with_more_data = [](bool more_data) {
        return [more_data](const JobEvent& event) {
            return event.kind == JobEvent::Kind::updated && event.job.has_more_data() == more_data;
        };
    };
    ASSERT_TRUE(next_event([](const JobEvent& event) { return event.state == JobState::running; }));
    speak.set_value();
    EXPECT_TRUE(next_event(update_with_more_data(true))) << "no update for the output";
    EXPECT_EQ(job.receive_output().out, "hello\n");
    EXPECT_TRUE(next_event(update_with_more_data(false))) << "no update for the output received";
    end.set_value();
    job.wait();
    std::string seen;
    for (auto batch = states.next(std::chrono::steady_clock::now()); !batch.empty();
         batch = states.next(std::chrono::steady_clock::now()))
        for (const JobEvent& event : batch) seen += std::string(to_string(event.kind)) + " ";
    EXPECT_EQ(seen, "created state state ");  // NotStarted, Running, Completed: no update
}

TEST_F(Watch, LiveTableIsRefusedOffATerminal) {
    CliResult result = jobctl({"get", "--watch"});
    EXPECT_EQ(result.exit_code, 2);
    EXPECT_NE(result.err.find("not one"), std::string::npos) << result.err;
}

TEST_F(Watch, StatesAreColouredOnlyWhenAsked) {
    JobId id = start({"true"});
    wait_until_finished(id);
    EXPECT_NE(jobctl({"get", "--color", "always"}).out.find("\x1b[32mCompleted\x1b[0m"), std::string::npos);
    EXPECT_EQ(jobctl({"get", "--color", "never"}).out.find('\x1b'), std::string::npos);
    EXPECT_EQ(jobctl({"get"}).out.find('\x1b'), std::string::npos);  // auto, and not a terminal
    EXPECT_EQ(jobctl({"get", "--color", "sometimes"}).exit_code, 2);
}

}  // namespace
}  // namespace jobctl::test
