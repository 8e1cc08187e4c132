// Fills a repository with finished jobs fast, for the scale section of
// scripts/bench.py (scripts/bench_scale.py): 100k to 1M jobs through
// `jobctl start` would take hours. Every job is a real slot in the real
// table, written through the table's own API, and a copy of a template: the
// slot of a job that `jobctl start -- true` ran to its end (Completed, exit
// code 0, no output: such a job has no spool folder). Only the id, name and
// times differ. The repository is JOBCTL_REPOSITORY (JOBCTL_HOME), as for
// jobctl.
//
//   table_fill fill TEMPLATE COUNT    adds COUNT finished jobs like job TEMPLATE
//   table_fill restore TEMPLATE ID    puts job ID back, as fill made it, after a
//                                     `jobctl remove ID` (timed by the bench)
//   table_fill trim LAST              waits until every job above LAST has
//                                     finished (30 s at most), then removes them
//   table_fill register COUNT         adds COUNT jobs and finishes each at
//                                     once, one lock round each (no process
//                                     spawned): the table's share of a start
//
// Prints what it did and how long it took to stderr.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <string>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "system/clock.hpp"
#include "table/job_table.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"
#include "table/segment_lock.hpp"
#include "table/slot_index.hpp"
#include "table/slot_patch.hpp"

namespace {

using jobctl::JobId;
using jobctl::JobState;
using jobctl::detail::JobSlot;
using jobctl::detail::JobTable;

int usage() {
    std::cerr << "usage: table_fill fill TEMPLATE COUNT | restore TEMPLATE ID | trim LAST | register COUNT\n";
    return 2;
}

// A second mapping of the table, for what the JobTable API has no call for:
// reading one slot, and putting a removed job back.
jobctl::detail::Segment open_segment(const JobTable& table) {
    std::uint32_t capacity = table.capacity();
    return jobctl::detail::Segment::open_or_create(table.location(), [&] { return capacity; });
}

// The template job's slot, as the table holds it (in its home slot: the
// bench makes it the table's first job). Exits unless it is a finished job.
JobSlot template_slot(const jobctl::detail::Segment& segment, JobId id) {
    jobctl::detail::SegmentLock lock(segment);
    const JobSlot& slot = segment.slots()[(id - 1) % segment.capacity()];
    if (slot.id != id || !jobctl::detail::is_finished(slot)) {
        std::cerr << "table_fill: job " << id << " is not a finished job in its home slot\n";
        std::exit(1);
    }
    return slot;
}

// Makes `slot` (a new job's, as add wrote it) the template's twin: the
// template's bytes with the new job's id, name, times and index words kept.
void copy_template(JobSlot& slot, const JobSlot& like) {
    JobSlot copy = like;
    copy.id = slot.id;
    copy.name_newer = slot.name_newer;
    copy.name_older = slot.name_older;
    copy.first_child = slot.first_child;
    copy.last_child = slot.last_child;
    copy.parent_id = 0;
    std::memcpy(copy.name, slot.name, sizeof copy.name);
    copy.created_ns = slot.created_ns;
    copy.began_ns = slot.created_ns + (like.began_ns - like.created_ns);
    copy.ended_ns = slot.created_ns + (like.ended_ns - like.created_ns);
    slot = copy;
}

int fill(jobctl::Repository& repository, JobId template_id, long count) {
    JobTable& table = jobctl::detail::table_of(repository);
    const JobSlot like = template_slot(open_segment(table), template_id);
    jobctl::detail::NewJob job;
    job.command = jobctl::detail::read_field(like.command);
    for (long k = 0; k < count; ++k) {
        JobId id = table.add(job).id;
        jobctl::detail::SlotPatch::update(table, id, [&](JobSlot& slot) {
            copy_template(slot, like);
            return true;
        });
    }
    return 0;
}

// Writes job `id` back into its home slot, as fill made it (the bench's
// `jobctl remove ID` freed it). Ids are never reused by the table itself:
// this is the bench putting back what it removed, under the table's lock.
int restore(jobctl::Repository& repository, JobId template_id, JobId id) {
    JobTable& table = jobctl::detail::table_of(repository);
    if (repository.find(id)) return 0;  // still there
    jobctl::detail::Segment segment = open_segment(table);
    const JobSlot like = template_slot(segment, template_id);
    jobctl::detail::SegmentLock lock(segment);
    std::uint32_t index = (id - 1) % segment.capacity();
    if (segment.slots()[index].id != 0 || id >= segment.header().next_id) {
        std::cerr << "table_fill: cannot put job " << id << " back: its home slot is taken\n";
        return 1;
    }
    std::vector<JobSlot> slot(1);
    slot[0].id = id;
    slot[0].created_ns = jobctl::detail::now_ns();
    jobctl::detail::copy_truncated(slot[0].name, "Job" + std::to_string(id));
    jobctl::detail::index_before_registration(segment, {index}, slot, segment.capacity());
    copy_template(slot[0], like);
    jobctl::detail::write_slot(segment, index, slot[0]);
    jobctl::detail::index_after_registration(segment, slot);
    return 0;
}

// Walks the jobs there are, not every id up to next_id.
int trim(jobctl::Repository& repository, JobId last) {
    JobTable& table = jobctl::detail::table_of(repository);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    for (const JobSlot& slot : table.copy_slots()) {
        if (slot.id <= last) continue;
        for (;;) {
            auto info = repository.find(slot.id);
            if (!info || jobctl::is_terminal(info->state) || std::chrono::steady_clock::now() > deadline)
                break;
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        table.erase(slot.id);
        std::error_code ignored;
        std::filesystem::remove_all(table.job_directory(slot.id), ignored);
    }
    return 0;
}

int register_jobs(jobctl::Repository& repository, long count) {
    JobTable& table = jobctl::detail::table_of(repository);
    jobctl::detail::NewJob job;
    job.command = "true";
    for (long k = 0; k < count; ++k) {
        JobId id = table.add(job).id;
        jobctl::detail::SlotPatch::update(table, id, [](JobSlot& slot) {
            jobctl::detail::set_outcome(slot, JobState::completed, "");
            slot.has_exit_code = 1;
            slot.exit_code = 0;
            return true;
        });
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 3) return usage();
    std::string verb = argv[1];
    auto number = [&](int i) { return std::strtol(argv[i], nullptr, 10); };
    try {
        jobctl::Repository repository = jobctl::Repository::open();
        auto began = std::chrono::steady_clock::now();
        int status;
        if (verb == "fill" && argc == 4)
            status = fill(repository, static_cast<JobId>(number(2)), number(3));
        else if (verb == "restore" && argc == 4)
            status = restore(repository, static_cast<JobId>(number(2)), static_cast<JobId>(number(3)));
        else if (verb == "trim" && argc == 3)
            status = trim(repository, static_cast<JobId>(number(2)));
        else if (verb == "register" && argc == 3)
            status = register_jobs(repository, number(2));
        else
            return usage();
        if (verb == "fill" || verb == "register")
            std::fprintf(stderr, "table_fill: %s %s in %.3f s\n", verb.c_str(), argv[argc - 1],
                         std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
        return status;
    } catch (const jobctl::Error& error) {
        std::cerr << "table_fill: " << error.what() << '\n';
        return 1;
    }
}
