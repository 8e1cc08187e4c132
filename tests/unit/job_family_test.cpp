// Registering a parent and its children at once: all of them or none, even
// when the table is full, needs eviction, or the registrar dies half-way.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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

using JobFamily = RepositoryTest;

std::vector<detail::NewJob> unnamed_children(std::size_t count) {
    return std::vector<detail::NewJob>(count, detail::NewJob{"", JobType::thread, "child"});
}

// Finished, and its outcome received (what makes it evictable).
void finish(Repository& repository, JobId id) {
    detail::SlotPatch::update(detail::table_of(repository), id, [](detail::JobSlot& slot) {
        detail::set_state(slot, JobState::completed);
        slot.ended_ns = 1;
        slot.outcome_received = 1;
        return true;
    });
}

// A copy of every job, to show that a refused registration changed nothing.
std::vector<std::pair<JobId, std::string>> snapshot(Repository& repository) {
    std::vector<std::pair<JobId, std::string>> jobs;
    for (const JobInfo& job : repository.list()) jobs.emplace_back(job.id, job.name);
    return jobs;
}

TEST_F(JobFamily, ParentAndChildrenGetConsecutiveIdsAndNames) {
    auto small = Repository::open(repository_name(), 5);
    JobInfo parent =
        detail::table_of(small).add_family({"run", JobType::thread, "foreach"}, unnamed_children(4));
    auto jobs = small.list();  // exactly full
    ASSERT_EQ(jobs.size(), 5u);
    EXPECT_EQ(jobs[0].id, parent.id);
    EXPECT_EQ(jobs[0].parent_id, 0u);
    for (std::size_t k = 1; k < jobs.size(); ++k) {
        EXPECT_EQ(jobs[k].id, parent.id + k);
        EXPECT_EQ(jobs[k].parent_id, parent.id);
        EXPECT_EQ(jobs[k].name, "run:" + std::to_string(k));
        EXPECT_EQ(jobs[k].state, JobState::not_started);
    }
}

TEST_F(JobFamily, UnnamedParentNamesItsChildrenAfterItsId) {
    JobInfo parent =
        detail::table_of(repository()).add_family({"", JobType::thread, "x"}, unnamed_children(2));
    EXPECT_EQ(parent.name, "Job" + std::to_string(parent.id));
    EXPECT_EQ(repository().find(parent.id + 2)->name, parent.name + ":2");
}

TEST_F(JobFamily, ChildNamesCutTheParentsNameAtACharacterBoundary) {
    std::string name = std::string(60, 'x') + "é";  // 62 bytes
    EXPECT_EQ(detail::child_job_name(name, 12), std::string(60, 'x') + ":12");
    EXPECT_EQ(detail::child_job_name("run", 3), "run:3");
}

TEST_F(JobFamily, FamilyThatDoesNotFitRegistersNothing) {
    auto small = Repository::open(repository_name(), 5);
    detail::table_of(small).add({"busy", JobType::process, "sleep 1"});  // unfinished: cannot go
    auto before = snapshot(small);
    try {
        detail::table_of(small).add_family({"run", JobType::thread, "foreach"}, unnamed_children(4));
        FAIL() << "six jobs fitted into five slots";
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::repository_full);
        std::string message = error.what();
        EXPECT_NE(message.find("a parent and its 4 children need 5 slots"), std::string::npos) << message;
        EXPECT_NE(message.find("only 4 of its 5"), std::string::npos) << message;
        EXPECT_EQ(message.find('\n'), std::string::npos);
    }
    EXPECT_EQ(snapshot(small), before);
    // The ids it did not take are still the next ones.
    JobInfo next = detail::table_of(small).add_family({"fits", JobType::thread, "x"}, unnamed_children(3));
    EXPECT_EQ(next.id, before.back().first + 1);
    EXPECT_EQ(small.list().size(), 5u);
}

TEST_F(JobFamily, EvictsFinishedReceivedFamiliesOnlyWhenThatMakesEnoughRoom) {
    auto small = Repository::open(repository_name(), 6);
    JobInfo old = detail::table_of(small).add_family({"old", JobType::thread, "x"}, unnamed_children(2));
    for (JobId id : {old.id + 1, old.id + 2, old.id}) finish(small, id);
    detail::table_of(small).add({"busy", JobType::process, "sleep 1"});
    // 2 free + 3 evictable = 5 < 6: nothing is evicted.
    auto before = snapshot(small);
    EXPECT_THROW(detail::table_of(small).add_family({"big", JobType::thread, "x"}, unnamed_children(5)),
                 Error);
    EXPECT_EQ(snapshot(small), before);
    // 2 free + 3 evictable = 5: the old family goes, whole.
    JobInfo fits = detail::table_of(small).add_family({"fits", JobType::thread, "x"}, unnamed_children(4));
    for (JobId id : {old.id, old.id + 1, old.id + 2}) EXPECT_FALSE(small.find(id)) << id;
    EXPECT_EQ(small.list().size(), 6u);
    EXPECT_EQ(small.find(fits.id + 4)->name, "fits:4");
}

TEST_F(JobFamily, NeverEvictsAFamilyWithUnreceivedOutput) {
    auto small = Repository::open(repository_name(), 4);
    JobInfo old = detail::table_of(small).add_family({"old", JobType::thread, "x"}, unnamed_children(1));
    finish(small, old.id);
    finish(small, old.id + 1);
    detail::SlotPatch::update(detail::table_of(small), old.id + 1, [](detail::JobSlot& slot) {
        slot.output_bytes = 10;  // nobody read it
        return true;
    });
    auto before = snapshot(small);
    EXPECT_THROW(detail::table_of(small).add_family({"new", JobType::thread, "x"}, unnamed_children(2)),
                 Error);
    EXPECT_EQ(snapshot(small), before);
}

TEST_F(JobFamily, MoreChildrenJoinTheirParentAllOrNone) {
    auto small = Repository::open(repository_name(), 6);
    detail::JobTable& table = detail::table_of(small);
    JobInfo parent = table.add_family({"run", JobType::thread, "x"}, unnamed_children(1));
    JobId first = table.add_children(parent.id, unnamed_children(3), 2);
    EXPECT_EQ(first, parent.id + 2);
    EXPECT_EQ(small.find(first + 2)->name, "run:4");
    EXPECT_EQ(small.find(first + 2)->parent_id, parent.id);
    auto before = snapshot(small);  // one slot left
    EXPECT_THROW(table.add_children(parent.id, unnamed_children(2), 5), Error);
    EXPECT_EQ(snapshot(small), before);
}

// A job registered alone is known to have no children, so looking at it
// walks nothing; a family's parent, even with no children yet, is not; and
// one registered alone is never given children.
TEST_F(JobFamily, AJobRegisteredAloneGetsNoChildren) {
    detail::JobTable& table = detail::table_of(repository());
    JobInfo alone = table.add({"alone", JobType::thread, "x"});
    JobInfo parent = table.add_family({"run", JobType::thread, "x"}, {});
    EXPECT_TRUE(alone.registered_alone);
    EXPECT_FALSE(parent.registered_alone);
    EXPECT_EQ(table.add_children(alone.id, unnamed_children(1), 1), 0u);
    EXPECT_TRUE(children_of(repository(), alone.id).empty());
    JobId child = table.add_children(parent.id, unnamed_children(1), 1);
    ASSERT_NE(child, 0u);
    EXPECT_FALSE(repository().find(child)->registered_alone);
    ASSERT_EQ(children_of(repository(), parent.id).size(), 1u);
    EXPECT_EQ(children_of(repository(), parent.id)[0].id, child);
}

// The queries that walk the table in place (children_of, find_jobs'
// HasMoreData, what remove checks) agree with a full listing after random
// registrations, added children, output, finished jobs and removes.
TEST_F(JobFamily, InPlaceQueriesAgreeWithAFullListing) {
    std::mt19937 random(20261206);
    detail::JobTable& table = detail::table_of(repository());
    std::vector<JobId> parents;
    for (int round = 0; round < 300; ++round) {
        switch (random() % 6) {
            case 0:
                parents.push_back(
                    table.add_family({"", JobType::thread, "p"}, unnamed_children(random() % 4)).id);
                break;
            case 1:
                if (!parents.empty())
                    table.add_children(parents[random() % parents.size()], unnamed_children(2), 9);
                break;
            case 2:
                table.add({"", random() % 2 ? JobType::thread : JobType::process, "lone"});
                break;
            case 3:
            case 4: {  // output, or an end (its outcome received or not)
                auto jobs = repository().list();
                if (jobs.empty()) break;
                JobId id = jobs[random() % jobs.size()].id;
                bool end = random() % 2;
                detail::SlotPatch::update(table, id, [&](detail::JobSlot& slot) {
                    if (end) {
                        detail::set_state(slot, JobState::completed);
                        slot.ended_ns = 1;
                    } else {
                        slot.output_bytes += 10;
                    }
                    return true;
                });
                break;
            }
            default: {  // a finished job removed (with its children, if all finished)
                auto jobs = repository().list();
                if (jobs.empty()) break;
                try {
                    remove_job(repository(), jobs[random() % jobs.size()].id, true);
                } catch (const Error&) {  // unfinished, or a child unfinished
                }
            }
        }
        std::vector<JobInfo> listed = list_jobs(repository());
        for (const JobInfo& job : listed) {
            std::vector<JobId> scanned, walked;
            for (const JobInfo& child : children_of(listed, job.id)) scanned.push_back(child.id);
            for (const JobInfo& child : children_of(repository(), job.id)) walked.push_back(child.id);
            ASSERT_EQ(walked, scanned) << "children of job " << job.id << " in round " << round;
            std::vector<JobInfo> found = find_jobs(repository(), {job.id});
            ASSERT_EQ(found.size(), 1u);
            ASSERT_EQ(found[0].has_more_data(), job.has_more_data()) << "job " << job.id;
        }
    }
}

TEST_F(JobFamily, NoMoreChildrenForAParentThatIsStoppingFinishedOrGone) {
    detail::JobTable& table = detail::table_of(repository());
    JobInfo stopping = table.add_family({"stopping", JobType::thread, "x"}, unnamed_children(1));
    detail::SlotPatch::update(table, stopping.id, [](detail::JobSlot& slot) {
        slot.stop_requested = 1;
        return true;
    });
    JobInfo finished = table.add_family({"finished", JobType::thread, "x"}, unnamed_children(1));
    finish(repository(), finished.id);
    auto before = snapshot(repository());
    EXPECT_EQ(table.add_children(stopping.id, unnamed_children(2), 2), 0u);
    EXPECT_EQ(table.add_children(finished.id, unnamed_children(2), 2), 0u);
    EXPECT_EQ(table.add_children(9999, unnamed_children(2), 1), 0u);
    EXPECT_EQ(snapshot(repository()), before);
}

TEST_F(JobFamily, ChildrenOfASuspendedParentAreRegisteredSuspended) {
    // As request_suspend leaves children that had not started: held back.
    detail::JobTable& table = detail::table_of(repository());
    JobInfo parent = table.add_family({"parent", JobType::thread, "x"}, unnamed_children(1));
    detail::SlotPatch::update(table, parent.id, [](detail::JobSlot& slot) {
        slot.suspend_requested = 1;
        detail::set_state(slot, JobState::suspended);
        return true;
    });
    JobId first = table.add_children(parent.id, unnamed_children(2), 2);
    ASSERT_NE(first, 0u);
    for (JobId id : {first, first + 1}) {
        JobInfo child = *table.find(id);
        EXPECT_TRUE(child.suspend_requested);
        EXPECT_EQ(child.state, JobState::suspended);
    }
}

}  // namespace
}  // namespace jobctl::test
