// In-process figures (Google Benchmark), each beside its physical floor:
//   repository lookup of one job            vs  (none: pure memory)
//   change notification across processes    vs  a raw futex wake between two processes
//   thread-job start -> complete -> receive vs  posix_spawn + wait of `true` (a process job's floor)
//   thread jobs per second at throttle 2, with and without the history
// Uses its own repository (jobctl-bench-<pid>) and removes it at exit.

#include <benchmark/benchmark.h>
#include <linux/futex.h>
#include <spawn.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <map>
#include <optional>

#include "jobctl/job_history.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/thread_job_host.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

extern char** environ;

namespace {

const std::string kRepository = "jobctl-bench-" + std::to_string(::getpid());

jobctl::Repository& repository() {
    static jobctl::Repository repo = jobctl::Repository::open(kRepository);
    return repo;
}

void BM_RepositoryFind(benchmark::State& state) {
    auto& repo = repository();
    std::vector<jobctl::JobId> ids;
    for (int i = 0; i < 1000; ++i)
        ids.push_back(jobctl::detail::table_of(repo).add({"", jobctl::JobType::thread, "bench"}).id);
    jobctl::JobId middle = ids[500];
    for (auto _ : state) benchmark::DoNotOptimize(repo.find(middle));
    for (jobctl::JobId id : ids) jobctl::detail::table_of(repo).erase(id);
}
BENCHMARK(BM_RepositoryFind);

void futex_wait(std::atomic<std::uint32_t>* word, std::uint32_t value) {
    syscall(SYS_futex, word, FUTEX_WAIT, value, nullptr, nullptr, 0);
}
void futex_wake(std::atomic<std::uint32_t>* word) {
    syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, nullptr, nullptr, 0);
}

// Floor: two processes take turns on a shared word, each waking the other.
void BM_FloorFutexPingPong(benchmark::State& state) {
    auto* word = static_cast<std::atomic<std::uint32_t>*>(
        ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
    word->store(0);
    pid_t child = ::fork();
    if (child == 0) {
        for (std::uint32_t expect = 1;; expect += 2) {
            while (word->load() < expect) futex_wait(word, expect - 1);
            if (word->load() == UINT32_MAX) ::_exit(0);
            word->fetch_add(1);
            futex_wake(word);
        }
    }
    std::uint32_t value = 0;
    for (auto _ : state) {
        word->store(++value);
        futex_wake(word);
        ++value;
        while (word->load() < value) futex_wait(word, value - 1);
    }
    word->store(UINT32_MAX);
    futex_wake(word);
    ::waitpid(child, nullptr, 0);
    ::munmap(word, 4096);
}
BENCHMARK(BM_FloorFutexPingPong)->UseRealTime();

// jobctl: a change in one process wakes a waiter in another, and back
// (flips a job's state through the locked, journaled slot write).
void BM_ChangeNotificationPingPong(benchmark::State& state) {
    auto& repo = repository();
    jobctl::JobId ping = jobctl::detail::table_of(repo).add({"ping", jobctl::JobType::thread, "bench"}).id;
    pid_t child = ::fork();
    if (child == 0) {
        auto other = jobctl::Repository::open(kRepository);
        for (;;) {
            std::uint32_t seen = jobctl::detail::table_of(other).change_count();
            auto job = other.find(ping);
            if (!job) ::_exit(0);
            if (job->state == jobctl::JobState::running) {
                jobctl::detail::SlotPatch::update(
                    jobctl::detail::table_of(other), ping, [](jobctl::detail::JobSlot& slot) {
                        jobctl::detail::set_state(slot, jobctl::JobState::not_started);
                        return true;
                    });
                continue;
            }
            jobctl::detail::table_of(other).wait_for_change(seen, std::chrono::seconds(10));
        }
    }
    for (auto _ : state) {
        jobctl::detail::SlotPatch::update(jobctl::detail::table_of(repo), ping,
                                          [](jobctl::detail::JobSlot& slot) {
                                              jobctl::detail::set_state(slot, jobctl::JobState::running);
                                              return true;
                                          });
        for (;;) {
            std::uint32_t seen = jobctl::detail::table_of(repo).change_count();
            if (repo.find(ping)->state == jobctl::JobState::not_started) break;
            jobctl::detail::table_of(repo).wait_for_change(seen, std::chrono::seconds(10));
        }
    }
    jobctl::detail::table_of(repo).erase(ping);
    ::waitpid(child, nullptr, 0);
}
BENCHMARK(BM_ChangeNotificationPingPong)->UseRealTime();

// Floor of a process job: spawning `true` and reaping it.
void BM_FloorSpawnTrue(benchmark::State& state) {
    char* argv[] = {const_cast<char*>("true"), nullptr};
    for (auto _ : state) {
        pid_t pid;
        ::posix_spawnp(&pid, "true", nullptr, nullptr, argv, environ);
        ::waitpid(pid, nullptr, 0);
    }
}
BENCHMARK(BM_FloorSpawnTrue)->UseRealTime();

// A trivial thread job: start, wait until Completed, receive, remove.
void BM_ThreadJobRoundTrip(benchmark::State& state) {
    auto& repo = repository();
    jobctl::ThreadJobHost host(repo, {.throttle_limit = 2});
    for (auto _ : state) {
        jobctl::Job job = host.start("", [](jobctl::JobContext&) {});
        job.wait();
        benchmark::DoNotOptimize(job.receive_output());
        jobctl::remove_job(repo, job.id());
    }
}
BENCHMARK(BM_ThreadJobRoundTrip)->UseRealTime();

// 1000 trivial thread jobs through a host with throttle 2; with the
// history kept (argument 1, the default) and without (0): each job that
// ends appends a line.
void BM_ThreadJobsPerSecond(benchmark::State& state) {
    auto& repo = repository();
    jobctl::set_history_limit(repo, state.range(0) != 0 ? jobctl::kDefaultHistoryLimit : 0);
    constexpr int kJobs = 1000;
    for (auto _ : state) {
        jobctl::ThreadJobHost host(repo, {.throttle_limit = 2});
        std::vector<jobctl::Job> jobs;
        for (int i = 0; i < kJobs; ++i) jobs.push_back(host.start("", [](jobctl::JobContext&) {}));
        for (const jobctl::Job& job : jobs) job.wait();
        state.PauseTiming();
        for (const jobctl::Job& job : jobs) jobctl::remove_job(repo, job.id());
        state.ResumeTiming();
    }
    state.SetItemsProcessed(state.iterations() * kJobs);
}
BENCHMARK(BM_ThreadJobsPerSecond)
    ->ArgName("history")
    ->Arg(1)
    ->Arg(0)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
// Issue 15: per-operation costs at a big table. One repository per capacity
// (100k and 1M slots), filled to the brim once with finished jobs whose
// output was received (the steady state of a long-lived repository, where
// every add evicts), plus one unfinished job kept in its home slot. Run with
// JOBCTL_HOME on /dev/shm: the 1M table is 1.2 GB.
struct FullTable {
    std::optional<jobctl::Repository> repo;
    jobctl::JobId first = 0, removed = 0;
};

FullTable& full_table(std::uint32_t capacity) {
    static std::map<std::uint32_t, FullTable> tables;
    FullTable& table = tables[capacity];
    if (table.repo) return table;
    std::string name = kRepository + "-full-" + std::to_string(capacity);
    jobctl::Repository::destroy(name);
    table.repo.emplace(jobctl::Repository::open(name, capacity));
    auto& jobs = jobctl::detail::table_of(*table.repo);
    for (std::uint32_t i = 0; i < capacity; ++i) {
        jobctl::JobId id = jobs.add({"", jobctl::JobType::thread, "bench"}).id;
        if (i == 0) table.first = id;
        if (i + 1 == capacity) break;  // the last one stays unfinished
        jobctl::detail::SlotPatch::update(jobs, id, [](jobctl::detail::JobSlot& slot) {
            jobctl::detail::set_state(slot, jobctl::JobState::completed);
            slot.outcome_received = 1;  // received: evictable
            return true;
        });
    }
    table.removed = table.first + 1;
    jobs.erase(table.removed);
    return table;
}

void destroy_full_tables() {
    for (std::uint32_t capacity : {100'000u, 1u << 20})
        jobctl::Repository::destroy(kRepository + "-full-" + std::to_string(capacity));
}

// find(id) of a job in its home slot: one probe.
void BM_BigTableFindPresent(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(table.repo->find(table.first + 7));
}
BENCHMARK(BM_BigTableFindPresent)->Arg(100'000)->Arg(1 << 20);

// find(id) of a removed job: a walk of the whole table (no tombstones).
void BM_BigTableFindRemoved(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(table.repo->find(table.removed));
}
BENCHMARK(BM_BigTableFindRemoved)->Arg(100'000)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// find(id) of an id never handed out (a typo, `get 99999999`).
void BM_BigTableFindNeverIssued(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(table.repo->find(table.first + (1u << 30)));
}
BENCHMARK(BM_BigTableFindNeverIssued)->Arg(100'000)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// add into the full table: evicts the job that finished first, then the new
// job is finished and received at once, so the table stays full.
void BM_BigTableAddEvicting(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    auto& jobs = jobctl::detail::table_of(*table.repo);
    for (auto _ : state) {
        jobctl::JobId id = jobs.add({"", jobctl::JobType::thread, "bench"}).id;
        state.PauseTiming();
        jobctl::detail::SlotPatch::update(jobs, id, [](jobctl::detail::JobSlot& slot) {
            jobctl::detail::set_state(slot, jobctl::JobState::completed);
            slot.outcome_received = 1;  // received: evictable
            return true;
        });
        state.ResumeTiming();
    }
}
BENCHMARK(BM_BigTableAddEvicting)->Arg(100'000)->Arg(1 << 20)->Unit(benchmark::kMillisecond)->Iterations(20);

// erase + add of one job at the full table (a free slot to take: no eviction).
void BM_BigTableEraseThenAdd(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    auto& jobs = jobctl::detail::table_of(*table.repo);
    jobctl::JobId id = jobs.add({"", jobctl::JobType::thread, "bench"}).id;
    for (auto _ : state) {
        jobs.erase(id);
        id = jobs.add({"", jobctl::JobType::thread, "bench"}).id;
    }
}
BENCHMARK(BM_BigTableEraseThenAdd)->Arg(100'000)->Arg(1 << 20)->Unit(benchmark::kMicrosecond);

// The whole listing (what `jobctl get` and every selection by name reads).
void BM_BigTableList(benchmark::State& state) {
    FullTable& table = full_table(static_cast<std::uint32_t>(state.range(0)));
    for (auto _ : state) benchmark::DoNotOptimize(table.repo->list());
}
BENCHMARK(BM_BigTableList)->Arg(100'000)->Arg(1 << 20)->Unit(benchmark::kMillisecond);

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    jobctl::Repository::destroy(kRepository);
    destroy_full_tables();
    return 0;
}
