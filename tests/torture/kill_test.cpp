// Kill at every point: start, stop, remove, foreach, a thread-job host and a
// worker, each killed with SIGKILL at a random moment or, through the pause
// seam (crash_points.hpp), certainly inside the repository's critical
// section: when the lock was just taken, with a slot half written, or with
// the work done and the lock not yet released. After each trial the table
// model checks every invariant (torture_support.hpp).
//
// JOBCTL_TORTURE_TRIALS trials per kind (default 50; scripts/torture.sh
// runs 1000), JOBCTL_TORTURE_SEED to repeat a run.

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <functional>
#include <optional>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_handle.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/thread_job_host.hpp"
#include "repository_test.hpp"
#include "system/pidfd.hpp"
#include "system/process_identity.hpp"
#include "table/crash_points.hpp"
#include "torture_support.hpp"

namespace jobctl::torture {
namespace {

using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

class KillAtEveryPoint : public test::RepositoryTest {
protected:
    void SetUp() override {
        RepositoryTest::SetUp();
        seed_ = seed_from_environment();
        random_.seed(seed_);
        trials_ = count_from_environment("JOBCTL_TORTURE_TRIALS", 50);
        reports_.emplace(home());
        std::printf("seed %llu (JOBCTL_TORTURE_SEED repeats it), %d trials\n",
                    static_cast<unsigned long long>(seed_), trials_);
    }
    void TearDown() override {
        reports_.reset();
        RepositoryTest::TearDown();
    }

    // The environment that arms `plan` in `program`; none for a kill at a random moment.
    std::vector<std::string> armed(const FaultPlan& plan, const std::string& program) const {
        if (plan.fault == Fault::random_time) return {};
        return {reports_->environment(program, fault_name(plan.fault), plan.count)};
    }

    std::string trial_name(const std::string& kind, int trial, const FaultPlan& plan) const {
        std::string text = kind + " trial " + std::to_string(trial) + " (" + fault_name(plan.fault);
        if (plan.fault == Fault::random_time)
            text += " after " + std::to_string(plan.delay.count()) + " us";
        else
            text += " #" + std::to_string(plan.count);
        return text + ", seed " + std::to_string(seed_) + ")";
    }

    int lines() { return std::uniform_int_distribution<int>(0, 300)(random_); }
    bool coin() { return std::uniform_int_distribution<int>(0, 1)(random_) == 1; }

    // The median of three unperturbed runs: the range of the random moments.
    std::chrono::microseconds calibrate(const std::function<void()>& run_once) {
        std::vector<std::chrono::microseconds> durations;
        for (int i = 0; i < 3; ++i) {
            auto begin = SteadyClock::now();
            run_once();
            durations.push_back(
                std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - begin));
        }
        std::ranges::sort(durations);
        model_.check_after_fault(repository(), "calibration");
        model_.remove_finished(repository());
        return durations[1];
    }

    template <class Action>
    static std::chrono::microseconds timed(Action&& action) {
        auto begin = SteadyClock::now();
        action();
        return std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - begin);
    }

    JobId start_job(const std::string& tag, int line_count, const std::string& sleep = "") {
        model_.expect(tag, printing_output(tag, line_count));
        return start_process_job(repository(), {tag, printing_command(tag, line_count, sleep)}).id;
    }

    void report(const std::string& kind, const FaultPlanner& planner) {
        report_line("torture kill " + kind + ": " + std::to_string(trials_) + " trials; kills landed " +
                    planner.summary() + "; " + std::to_string(model_.jobs_checked()) + " job checks, " +
                    std::to_string(model_.outputs_checked()) + " outputs compared; seed " +
                    std::to_string(seed_));
    }

    std::uint64_t seed_ = 0;
    std::mt19937_64 random_;
    int trials_ = 0;
    TableModel model_;
    std::optional<PauseReports> reports_;
};

TEST_F(KillAtEveryPoint, Start) {
    int calibration = 0;
    FaultPlanner planner(
        random_, calibrate([&] {
            std::string tag = "calibrate" + std::to_string(++calibration);
            Child({"jobctl", "start", "-q", "--name", tag, "--", "true"}, {}, false).finish();
        }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "start" + std::to_string(trial);
        int line_count = lines();
        model_.expect(tag, printing_output(tag, line_count));
        FaultPlan plan = planner.next();
        std::vector<std::string> args{"jobctl", "start", "-q", "--name", tag, "--"};
        for (const std::string& word : printing_command(tag, line_count)) args.push_back(word);
        Child start(args, armed(plan, "jobctl"), false);
        bool landed = strike(start, *reports_, plan);
        int code = start.finish();
        planner.landed(plan, landed && code == 128 + SIGKILL);
        if (!landed) {
            EXPECT_EQ(code, 0) << trial_name("start", trial, plan);
        }
        model_.check_after_fault(repository(), trial_name("start", trial, plan));
        model_.remove_finished(repository());
    }
    report("start", planner);
}

TEST_F(KillAtEveryPoint, Worker) {
    int calibration = 0;
    FaultPlanner planner(random_, calibrate([&] {
                             std::string tag = "calibrate" + std::to_string(++calibration);
                             return timed([&] { wait_until_finished(start_job(tag, 150)); });
                         }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "worker" + std::to_string(trial);
        int line_count = lines();
        model_.expect(tag, printing_output(tag, line_count));
        FaultPlan plan = planner.next();
        std::vector<std::string> args{"jobctl", "start", "-q", "--name", tag, "--"};
        for (const std::string& word : printing_command(tag, line_count, coin() ? "0.01" : ""))
            args.push_back(word);
        auto launched = SteadyClock::now();
        Child start(args, armed(plan, "jobctl-worker"), true);
        bool landed = false;
        std::string name = trial_name("worker", trial, plan);
        // The worker may pause while `start` still runs (which then waits
        // for the lock), or after it has ended.
        pid_t paused = plan.fault == Fault::random_time ? 0 : reports_->wait(start.pidfd(), 30s);
        if (paused > 0) {
            landed = kill_and_wait(paused);
        } else if (paused < 0) {
            start.kill();
        }
        int code = start.finish();
        ASSERT_EQ(code, 0) << name << ": " << start.err();
        JobId id = static_cast<JobId>(std::stoul(start.out()));
        std::optional<JobInfo> job;
        if (landed || plan.fault == Fault::random_time) {
            job = repository().find(id);
        } else {
            // The worker may pause in the lock at any moment from here on,
            // and a lookup would then wait for the lock for ever: look up
            // from another thread, and strike a pause that comes meanwhile.
            detail::FileDescriptor found(::eventfd(0, EFD_CLOEXEC));
            std::thread lookup([&] {
                job = repository().find(id);
                std::uint64_t one = 1;
                [[maybe_unused]] auto written = ::write(found.get(), &one, sizeof one);
            });
            pid_t late = reports_->wait(found.get(), 30s);
            if (late > 0) landed = kill_and_wait(late);
            if (late < 0) ADD_FAILURE() << name << ": the lookup neither ended nor met a pause";
            lookup.join();
        }
        ASSERT_TRUE(job) << name;
        ProcessIdentity worker{job->owner_pid, job->owner_start_time, job->owner_pid_namespace};
        if (!landed && plan.fault != Fault::random_time && paused == 0) {
            detail::FileDescriptor exits = detail::open_pidfd(worker.pid);
            if (exits && worker.alive()) {
                paused = reports_->wait(exits.get(), 30s);
                if (paused > 0) landed = kill_and_wait(paused);
            }
        }
        if (paused < 0) ADD_FAILURE() << name << ": the worker neither paused nor ended";
        if (plan.fault == Fault::random_time) {
            // The moment of the fault, counted from the launch: not a synchronisation.
            std::this_thread::sleep_until(launched + plan.delay);
            landed = kill_and_wait(worker.pid, worker.start_time);
        }
        planner.landed(plan, landed);
        model_.check_after_fault(repository(), name);
        if (landed) {
            auto after = repository().find(id);
            ASSERT_TRUE(after) << name;
            EXPECT_TRUE(after->finished()) << name;
        }
        model_.remove_finished(repository());
    }
    report("worker", planner);
}

TEST_F(KillAtEveryPoint, Stop) {
    auto running_job = [&](const std::string& tag) {
        JobId id = start_job(tag, lines(), "30");
        wait_for(id,
                 [](const JobInfo& job) { return job.state == JobState::running && job.output_bytes > 0; });
        return id;
    };
    int calibration = 0;
    FaultPlanner planner(
        random_, calibrate([&] {
            JobId id = running_job("calibrate" + std::to_string(++calibration));
            Child({"jobctl", "stop", "--grace", "1", std::to_string(id)}, {}, false).finish();
        }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "stop" + std::to_string(trial);
        JobId id = running_job(tag);
        FaultPlan plan = planner.next();
        std::string name = trial_name("stop", trial, plan);
        Child stop({"jobctl", "stop", "--grace", "1", std::to_string(id)}, armed(plan, "jobctl"), false);
        bool landed = strike(stop, *reports_, plan);
        int code = stop.finish();
        planner.landed(plan, landed && code == 128 + SIGKILL);
        if (!landed) {
            EXPECT_EQ(code, 0) << name;
        }
        // A stop cut short is finished by asking again.
        if (auto job = repository().find(id); job && !job->finished())
            request_stop(repository(), id, std::chrono::seconds(1));
        model_.check_after_fault(repository(), name);
        auto job = repository().find(id);
        ASSERT_TRUE(job) << name;
        EXPECT_EQ(job->state, JobState::stopped) << name << ": " << job->reason;
        model_.remove_finished(repository());
    }
    report("stop", planner);
}

TEST_F(KillAtEveryPoint, Remove) {
    // A finished job to remove: a plain one, or a foreach run kept with its children.
    auto finished_job = [&](const std::string& tag, bool with_children) -> JobId {
        if (!with_children) {
            JobId id = start_job(tag, lines());
            wait_until_finished(id);
            return id;
        }
        std::vector<std::string> args{"jobctl", "foreach", "-q", "--keep-jobs", "--name", tag, "--"};
        int line_count = lines();
        for (const std::string& word : printing_command_for_foreach(line_count)) args.push_back(word);
        args.push_back(":::");
        for (int i = 1; i <= 3; ++i) {
            std::string input = tag + "-" + std::to_string(i);
            model_.expect(tag + ":" + std::to_string(i), printing_output(input, line_count));
            args.push_back(input);
        }
        Child run(args, {}, false);
        EXPECT_EQ(run.finish(), 0);
        for (const JobInfo& job : repository().list())
            if (job.name == tag) return job.id;
        ADD_FAILURE() << "the foreach run " << tag << " left no parent";
        return 0;
    };
    int calibration = 0;
    FaultPlanner planner(
        random_, calibrate([&] {
            JobId id = finished_job("calibrate" + std::to_string(++calibration), false);
            return timed([&] { Child({"jobctl", "remove", std::to_string(id)}, {}, false).finish(); });
        }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "remove" + std::to_string(trial);
        JobId id = finished_job(tag, trial % 2 == 0);
        FaultPlan plan = planner.next();
        std::string name = trial_name("remove", trial, plan);
        Child remove({"jobctl", "remove", std::to_string(id)}, armed(plan, "jobctl"), false);
        bool landed = strike(remove, *reports_, plan);
        int code = remove.finish();
        planner.landed(plan, landed && code == 128 + SIGKILL);
        if (!landed) {
            EXPECT_EQ(code, 0) << name;
            EXPECT_FALSE(repository().find(id)) << name;
        }
        model_.check_after_fault(repository(), name);
        model_.remove_finished(repository());
    }
    report("remove", planner);
}

TEST_F(KillAtEveryPoint, Foreach) {
    // One run: in the foreground (its output printed in input order), kept
    // or not, or detached (--as-job: a random moment only; the host is a
    // fork of jobctl, which counts the lock points of both).
    enum class Mode { foreground, keep_jobs, as_job };
    struct Run {
        std::vector<std::string> args;
        std::string printed;  // what a foreground run prints
    };
    auto make_run = [&](const std::string& tag, Mode mode) {
        Run run;
        run.args = {"jobctl", "foreach", "-q", "-j", "2", "--name", tag};
        if (mode == Mode::keep_jobs) run.args.push_back("--keep-jobs");
        if (mode == Mode::as_job) run.args.push_back("--as-job");
        run.args.push_back("--");
        int line_count = lines();
        bool sleeps = coin();
        for (const std::string& word : printing_command_for_foreach(line_count, sleeps ? "0.01" : ""))
            run.args.push_back(word);
        run.args.push_back(":::");
        int inputs = std::uniform_int_distribution<int>(1, 4)(random_);
        for (int i = 1; i <= inputs; ++i) {
            std::string input = tag + "-" + std::to_string(i);
            Expected expected = printing_output(input, line_count);
            run.printed += expected.out;
            model_.expect(tag + ":" + std::to_string(i), expected);
            run.args.push_back(input);
        }
        return run;
    };
    int calibration = 0;
    FaultPlanner planner(random_, calibrate([&] {
                             Run run =
                                 make_run("calibrate" + std::to_string(++calibration), Mode::foreground);
                             Child(run.args, {}, false).finish();
                         }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "foreach" + std::to_string(trial);
        Mode mode = static_cast<Mode>(std::uniform_int_distribution<int>(0, 2)(random_));
        Run run = make_run(tag, mode);
        FaultPlan plan = planner.next(mode == Mode::as_job);
        std::string name = trial_name("foreach", trial, plan);
        Child foreach (run.args, armed(plan, "jobctl"), true);
        bool landed = false;
        if (mode == Mode::as_job) {
            auto launched = SteadyClock::now();
            int code = foreach.finish();
            ASSERT_EQ(code, 0) << name << ": " << foreach.err();
            auto parent = repository().find(static_cast<JobId>(std::stoul(foreach.out())));
            ASSERT_TRUE(parent) << name;
            std::this_thread::sleep_until(launched + plan.delay);  // the moment of the fault
            landed = kill_and_wait(parent->owner_pid, parent->owner_start_time);
        } else {
            landed = strike(foreach, *reports_, plan);
            int code = foreach.finish();
            landed = landed && code == 128 + SIGKILL;
            if (!landed) {
                EXPECT_EQ(code, 0) << name << ": " << foreach.err();
                EXPECT_EQ(foreach.out(), run.printed) << name;
            } else {
                EXPECT_EQ(foreach.out(), run.printed.substr(0, foreach.out().size()))
                    << name << ": what the killed run printed is not a prefix of its output";
            }
        }
        planner.landed(plan, landed);
        model_.check_after_fault(repository(), name);
        model_.remove_finished(repository());
    }
    report("foreach", planner);
}

TEST_F(KillAtEveryPoint, ThreadJobHost) {
    // A forked host: four thread jobs, two at a time, each printing a known text.
    auto host_body = [&](const std::string& tag, int line_count, const FaultPlan& plan) {
        if (plan.fault != Fault::random_time)
            testing::pause_at(crash_point_of(plan.fault), plan.count, reports_->path().c_str());
        int code = 0;
        try {
            auto repository = Repository::open();
            ThreadJobHost host(repository, {.throttle_limit = 2});
            std::vector<Job> jobs;
            for (int i = 1; i <= 4; ++i) {
                std::string job_tag = tag + "-" + std::to_string(i);
                jobs.push_back(host.start(job_tag, [job_tag, line_count](JobContext& context) {
                    for (int k = 0; k < line_count; ++k) {
                        context.out()
                            << job_tag << " line " << k << ": the quick brown fox jumps over the lazy dog\n";
                        if (k % 40 == 39) context.out() << std::flush;
                    }
                    context.err() << job_tag << " on stderr\n";
                    context.out() << job_tag << " end\n";
                }));
            }
            for (const Job& job : jobs) job.wait();
        } catch (...) {
            code = 3;
        }
        ::_exit(code);
    };
    auto expect_host = [&](const std::string& tag, int line_count) {
        for (int i = 1; i <= 4; ++i) {
            std::string job_tag = tag + "-" + std::to_string(i);
            model_.expect(job_tag, printing_output(job_tag, line_count));
        }
    };
    int calibration = 0;
    FaultPlanner planner(
        random_, calibrate([&] {
            std::string tag = "calibrate" + std::to_string(++calibration);
            expect_host(tag, 100);
            return timed([&] { Child::fork([&] { host_body(tag, 100, FaultPlan{}); }).finish(); });
        }));
    for (int trial = 1; trial <= trials_ && !HasFailure(); ++trial) {
        std::string tag = "host" + std::to_string(trial);
        int line_count = lines();
        expect_host(tag, line_count);
        FaultPlan plan = planner.next();
        std::string name = trial_name("thread host", trial, plan);
        Child host = Child::fork([&] { host_body(tag, line_count, plan); });
        bool landed = strike(host, *reports_, plan);
        int code = host.finish();
        planner.landed(plan, landed && code == 128 + SIGKILL);
        if (!landed) {
            EXPECT_EQ(code, 0) << name;
        }
        model_.check_after_fault(repository(), name);
        model_.remove_finished(repository());
    }
    report("thread-host", planner);
}

}  // namespace
}  // namespace jobctl::torture
