// The table's index (segment_layout.hpp, "The index"): after any sequence of
// registrations, ends, evictions and removes, and after a writer killed at
// any write, it says what a scan of the slots says.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <random>
#include <set>

#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "repository_test.hpp"
#include "table/crash_points.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::test {
namespace {

using TableIndex = RepositoryTest;

const std::vector<std::string> kNames{"build", "test", "deploy", ""};  // "": JobN, or NAME:k for a child

std::vector<detail::NewJob> children_named(std::size_t count, const std::string& name) {
    return std::vector<detail::NewJob>(count, detail::NewJob{name, JobType::thread, "child"});
}

void end_job(detail::JobTable& table, JobId id, bool received) {
    detail::SlotPatch::update(table, id, [&](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::completed);
        slot.ended_ns = 1;
        slot.outcome_received = received ? 1 : 0;
        return true;
    });
}

std::vector<JobId> ids_of(const std::vector<JobInfo>& jobs) {
    std::vector<JobId> ids;
    for (const JobInfo& job : jobs) ids.push_back(job.id);
    return ids;
}

// Every answer of the index against a listing: the job of each id, the jobs
// of each name, each parent's children, and no answer for ids gone.
void expect_index_agrees(Repository& repository, const std::set<JobId>& gone, const std::string& when) {
    detail::JobTable& table = detail::table_of(repository);
    ASSERT_EQ(table.index_mismatch(), "") << when;
    std::vector<JobInfo> listed = repository.list();
    std::set<std::string> names;
    for (const JobInfo& job : listed) {
        auto found = table.find(job.id);
        ASSERT_TRUE(found && found->name == job.name) << "job " << job.id << " not found by id " << when;
        names.insert(job.name);
        std::vector<JobId> scanned = ids_of(children_of(listed, job.id));
        ASSERT_EQ(ids_of(table.children_of({job.id})), scanned) << "children of " << job.id << " " << when;
    }
    for (const std::string& name : names) {
        std::vector<JobId> scanned;
        for (const JobInfo& job : listed)
            if (job.name == name) scanned.push_back(job.id);
        ASSERT_EQ(ids_of(table.find_named(name)), scanned) << "jobs named " << name << " " << when;
    }
    for (JobId id : gone) ASSERT_FALSE(table.find(id)) << "job " << id << " is gone, yet found " << when;
    ASSERT_FALSE(table.find(table.next_id())) << when;
    ASSERT_TRUE(table.find_named("never-used").empty()) << when;
}

// A small table, so that ids go round it many times: homes are taken,
// jobs sit elsewhere, names share buckets, and full tables evict.
TEST_F(TableIndex, AgreesWithAScanThroughRandomOperations) {
    auto small = Repository::open(repository_name(), 24);
    detail::JobTable& table = detail::table_of(small);
    std::mt19937 random(20261207);
    std::set<JobId> gone;
    std::vector<JobId> parents;
    auto some_job = [&]() -> std::optional<JobInfo> {
        auto jobs = small.list();
        if (jobs.empty()) return std::nullopt;
        return jobs[random() % jobs.size()];
    };
    for (int round = 0; round < 1500; ++round) {
        const std::string& name = kNames[random() % kNames.size()];
        try {
            switch (random() % 8) {
                case 0:
                    parents.push_back(
                        table.add_family({name, JobType::thread, "p"}, children_named(random() % 4, "")).id);
                    break;
                case 1:
                    if (!parents.empty())
                        table.add_children(parents[random() % parents.size()],
                                           children_named(1 + random() % 2, random() % 2 ? "" : name), 7);
                    break;
                case 2:
                case 3:
                    table.add({name, JobType::process, "lone"});
                    break;
                case 4:
                case 5:
                    if (auto job = some_job()) end_job(table, job->id, random() % 4 != 0);
                    break;
                default:
                    if (auto job = some_job()) {
                        std::vector<JobInfo> children = table.children_of({job->id});
                        remove_job(small, job->id, true);
                        gone.insert(job->id);
                        for (const JobInfo& child : children) gone.insert(child.id);
                    }
            }
        } catch (const Error& error) {  // full, unfinished, gone: the table stays as it was
            ASSERT_TRUE(error.code() == ErrorCode::repository_full || error.code() == ErrorCode::job_busy)
                << error.what();
        }
        // An evicted job is gone too.
        std::set<JobId> present;
        for (const JobInfo& job : small.list()) present.insert(job.id);
        for (JobId id = 1; id < table.next_id(); ++id)
            if (!present.contains(id)) gone.insert(id);
        expect_index_agrees(small, gone, "after round " + std::to_string(round));
    }
}

testing::CrashPoint armed_point;
int armed_passes = 0;

void die_at_armed_point(testing::CrashPoint point) {
    if (point == armed_point && --armed_passes == 0) ::raise(SIGKILL);
}

// Runs `action` in a child that dies at its `pass`-th half-written slot.
// False when the action finished first (it writes fewer slots).
bool killed_at_write(const std::string& repository_name, int pass,
                     const std::function<void(Repository&)>& action) {
    pid_t child = ::fork();
    if (child == 0) {
        auto repo = Repository::open(repository_name);
        armed_point = testing::CrashPoint::slot_half_written;
        armed_passes = pass;
        testing::set_crash_hook(die_at_armed_point);
        action(repo);
        ::_exit(0);
    }
    int status = 0;
    EXPECT_EQ(::waitpid(child, &status, 0), child);
    return WIFSIGNALED(status);
}

// The writes that keep the index come with the jobs' own: a writer killed
// between any two leaves an index that the next locker's repair makes agree.
TEST_F(TableIndex, AgreesAfterAWriterIsKilledAtAnyWrite) {
    const std::string name = repository_name();
    auto small = Repository::open(name, 16);
    detail::JobTable& table = detail::table_of(small);
    // Long-lived jobs in some homes, so that later ids sit elsewhere.
    for (int k = 0; k < 5; ++k) table.add({"keeper", JobType::process, "k"});
    std::set<JobId> gone;
    for (int pass = 1;; ++pass) {
        ASSERT_LT(pass, 200);
        std::vector<JobId> added;
        bool killed = killed_at_write(name, pass, [](Repository& repo) {
            detail::JobTable& writer = detail::table_of(repo);
            JobInfo parent = writer.add_family({"batch", JobType::thread, "p"}, children_named(3, ""));
            writer.add_children(parent.id, children_named(2, "batch"), 4);
            JobInfo lone = writer.add({"batch", JobType::process, "x"});
            end_job(writer, lone.id, true);
            remove_job(repo, lone.id, true);
            end_job(writer, parent.id, true);
            for (const JobInfo& child : writer.children_of({parent.id})) end_job(writer, child.id, true);
            remove_job(repo, parent.id, true);
        });
        for (JobId id = 1; id < table.next_id(); ++id)
            if (!table.find(id) &&
                std::ranges::none_of(small.list(), [&](const JobInfo& job) { return job.id == id; }))
                gone.insert(id);
        expect_index_agrees(small, gone, "after a kill at write " + std::to_string(pass));
        if (!killed) break;
        // Clear the table of the batch for the next pass (the keepers stay).
        for (const JobInfo& job : small.list())
            if (job.name != "keeper" && job.parent_id == 0) {
                end_job(table, job.id, true);
                for (const JobInfo& child : table.children_of({job.id})) end_job(table, child.id, true);
                remove_job(small, job.id, true);
            }
    }
}

// A removed id, and an id never used, cost one look at its home slot: an
// index that answered wrongly would find another job there, or none where
// one sits further on.
TEST_F(TableIndex, FindsJobsPlacedAwayFromTheirHome) {
    auto small = Repository::open(repository_name(), 8);
    detail::JobTable& table = detail::table_of(small);
    JobInfo keeper = table.add({"keeper", JobType::process, "k"});  // id 1, home 0
    std::vector<JobId> ids;
    for (int k = 0; k < 7; ++k) ids.push_back(table.add({"", JobType::process, "x"}).id);  // ids 2..8
    for (JobId id : ids) {
        end_job(table, id, true);
        remove_job(small, id, true);
    }
    JobInfo displaced = table.add({"", JobType::process, "x"});  // id 9: home 0 is the keeper's
    EXPECT_EQ(displaced.id, keeper.id + 8);
    ASSERT_TRUE(table.find(displaced.id));
    for (JobId id : ids) EXPECT_FALSE(table.find(id));
    expect_index_agrees(small, {ids.begin(), ids.end()}, "with a job away from home");
    end_job(table, displaced.id, true);
    remove_job(small, displaced.id, true);
    EXPECT_FALSE(table.find(displaced.id));
    expect_index_agrees(small, {ids.begin(), ids.end()}, "after it went");
}

}  // namespace
}  // namespace jobctl::test
