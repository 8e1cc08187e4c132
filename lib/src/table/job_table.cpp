#include "table/job_table.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <unordered_set>

#include "jobctl/error.hpp"
#include "jobs/display_text.hpp"
#include "output/spool.hpp"
#include "system/clock.hpp"
#include "table/futex.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"
#include "table/segment_lock.hpp"

namespace jobctl {

using detail::JobSlot;
using detail::JobTable;
using detail::SegmentLock;

namespace {

std::string host_name() {
    char buffer[256] = {};
    if (::gethostname(buffer, sizeof buffer - 1) != 0) return "localhost";
    return buffer;
}

JobInfo to_info(const JobSlot& slot) {
    JobInfo info;
    info.id = slot.id;
    info.parent_id = slot.parent_id;
    // A damaged (or older) table may hold any bytes: readers get UTF-8.
    info.name = detail::to_valid_utf8(detail::read_field(slot.name));
    info.type = static_cast<JobType>(slot.type);
    info.state = detail::state_of(slot);
    info.reason = detail::to_valid_utf8(detail::read_field(slot.reason));
    info.command = detail::to_valid_utf8(detail::read_field(slot.command));
    info.location = detail::to_valid_utf8(detail::read_field(slot.location));
    info.created = detail::time_from_ns(slot.created_ns);
    info.began = detail::time_from_ns(slot.began_ns);
    info.ended = detail::time_from_ns(slot.ended_ns);
    if (slot.has_exit_code) info.exit_code = slot.exit_code;
    if (slot.term_signal != 0) info.term_signal = slot.term_signal;
    info.owner_pid = slot.owner_pid;
    info.owner_start_time = slot.owner_start_time;
    info.owner_claimed = slot.owner_claimed != 0;
    info.process_id = slot.process_id;
    info.process_start_time = slot.process_start_time;
    info.output_bytes = slot.output_bytes;
    info.read_offset = slot.read_offset;
    info.stop_requested = slot.stop_requested != 0;
    return info;
}

// A job lives in its home slot, (id - 1) % capacity, unless that was taken
// when it was added; then in the next free one after it. So finding a job
// takes one probe almost always, without any index to keep consistent.
std::uint32_t home_slot(JobId id, std::uint32_t capacity) {
    return (id - 1) % capacity;
}

// Slots at or past the header's high-water mark were never used. (Bounded
// by the capacity: a damaged header must not send a reader out of the segment.)
std::uint32_t scan_limit(const detail::Segment& segment) {
    return std::min(segment.header().slot_limit, segment.capacity());
}

// Slot index of job `id`, or capacity when absent. Caller holds the lock.
std::uint32_t index_of(const detail::Segment& segment, JobId id) {
    const JobSlot* slots = segment.slots();
    std::uint32_t limit = scan_limit(segment);
    std::uint32_t start = home_slot(id, segment.capacity());
    if (start >= limit) start = 0;
    for (std::uint32_t k = 0, i = start; k < limit; ++k, i = i + 1 == limit ? 0 : i + 1)
        if (slots[i].id == id) return i;
    return segment.capacity();
}

// True when a change moved only the output counters (bytes written, bytes received).
bool only_output_moved(const JobSlot& before, const JobSlot& after) {
    JobSlot same = before;
    same.output_bytes = after.output_bytes;
    same.read_offset = after.read_offset;
    return std::memcmp(&same, &after, sizeof(JobSlot)) == 0;
}

// The first free slot from the new job's home slot on, or capacity when full.
std::uint32_t free_slot(const detail::Segment& segment, JobId new_id) {
    const JobSlot* slots = segment.slots();
    std::uint32_t capacity = segment.capacity();
    for (std::uint32_t k = 0, i = home_slot(new_id, capacity); k < capacity;
         ++k, i = i + 1 == capacity ? 0 : i + 1)
        if (slots[i].id == 0) return i;
    return capacity;
}

bool finished_and_received(const JobSlot& slot) {
    return detail::is_finished(slot) && slot.read_offset >= slot.output_bytes;
}

// A full table makes room: the job that finished first among those whose
// output was all received, together with its children (a parent goes only
// when each child is finished and received too). Never a job with output
// nobody has read. Returns the ids freed, for their spool folders to go.
// Caller holds the lock; runs only when the table is full.
std::vector<JobId> evict_oldest_received(const detail::Segment& segment) {
    JobSlot* slots = segment.slots();
    std::uint32_t limit = scan_limit(segment);
    std::unordered_set<JobId> kept_parents;  // a child is still unfinished or unreceived
    for (std::uint32_t i = 0; i < limit; ++i)
        if (slots[i].id != 0 && slots[i].parent_id != 0 && !finished_and_received(slots[i]))
            kept_parents.insert(slots[i].parent_id);
    const JobSlot* victim = nullptr;
    for (std::uint32_t i = 0; i < limit; ++i) {
        const JobSlot& slot = slots[i];
        if (slot.id == 0 || slot.parent_id != 0 || !finished_and_received(slot) ||
            kept_parents.contains(slot.id))
            continue;
        if (victim == nullptr || slot.ended_ns < victim->ended_ns) victim = &slot;
    }
    std::vector<JobId> evicted;
    if (victim == nullptr) return evicted;
    JobId parent = victim->id;
    for (std::uint32_t i = 0; i < limit; ++i)
        if (slots[i].id != 0 && (slots[i].id == parent || slots[i].parent_id == parent)) {
            evicted.push_back(slots[i].id);
            detail::write_slot(segment, i, JobSlot{});
        }
    return evicted;
}

}  // namespace

void detail::check_job_name(const std::string& name) {
    if (name.empty()) throw Error(ErrorCode::invalid_argument, "a job name cannot be empty");
    if (name.size() > Repository::kMaxNameLength)
        throw Error(ErrorCode::invalid_argument, "job name is " + std::to_string(name.size()) +
                                                     " bytes long; the limit is " +
                                                     std::to_string(Repository::kMaxNameLength));
    if (name.find_first_not_of("0123456789") == std::string::npos)
        throw Error(ErrorCode::invalid_argument,
                    "job name '" + name + "' is all digits and would read as an id");
    for (unsigned char c : name)
        if (c < 0x20 || c == 0x7f)
            throw Error(ErrorCode::invalid_argument, "a job name cannot hold control characters");
    if (!detail::is_valid_utf8(name))
        throw Error(ErrorCode::invalid_argument, "a job name must be valid UTF-8");
    if (name[0] == '-') throw Error(ErrorCode::invalid_argument, "a job name cannot start with '-'");
}

JobTable::JobTable(detail::RepositoryLocation location, std::unique_ptr<detail::Segment> segment)
    : location_(std::move(location)), segment_(std::move(segment)) {}
JobTable::~JobTable() = default;

std::uint32_t JobTable::capacity() const {
    return segment_->capacity();
}

std::filesystem::path JobTable::job_directory(JobId id) const {
    return location_.spool / std::to_string(id);
}

JobInfo JobTable::add(const NewJob& job) {
    if (!job.name.empty()) detail::check_job_name(job.name);
    std::string location = host_name();
    JobSlot slot{};
    std::vector<JobId> evicted;
    {
        SegmentLock lock(*segment_);
        detail::SegmentHeader& header = segment_->header();
        // 0 is no id (a damaged header); take the one after the highest in use.
        if (header.next_id == 0) detail::repair_after_dead_owner(*segment_);
        std::uint32_t index = free_slot(*segment_, header.next_id);
        if (index == segment_->capacity()) {
            evicted = evict_oldest_received(*segment_);
            index = free_slot(*segment_, header.next_id);
        }
        if (index == segment_->capacity())
            throw Error(ErrorCode::repository_full,
                        "repository '" + name() + "' is full: its " + std::to_string(capacity()) +
                            " jobs are unfinished or have output nobody received; free room with "
                            "'jobctl receive' then 'jobctl remove --state Completed' (or Failed, Stopped)");
        slot.id = header.next_id;
        slot.parent_id = job.parent_id;
        slot.type = static_cast<std::uint8_t>(job.type);
        detail::set_state(slot, JobState::not_started);
        slot.owner_pid = job.owner_pid;
        slot.owner_start_time = job.owner_start_time;
        slot.owner_claimed = job.owner_claimed ? 1 : 0;
        slot.created_ns = detail::now_ns();
        detail::copy_truncated(slot.name, job.name.empty() ? "Job" + std::to_string(slot.id) : job.name);
        detail::copy_truncated(slot.command, job.command);
        detail::copy_truncated(slot.location, location);
        detail::write_slot(*segment_, index, slot);
        // A crash before these two is repaired from the slots.
        header.next_id = slot.id + 1;
        header.slot_limit = std::max(header.slot_limit, index + 1);
    }
    for (JobId id : evicted) {  // outside the lock: file system work
        std::error_code ignored;
        std::filesystem::remove_all(job_directory(id), ignored);
    }
    notify_change();
    return to_info(slot);
}

std::optional<JobInfo> JobTable::find(JobId id) const {
    if (id == 0) return std::nullopt;
    SegmentLock lock(*segment_);
    std::uint32_t index = index_of(*segment_, id);
    if (index == segment_->capacity()) return std::nullopt;
    return to_info(segment_->slots()[index]);
}

std::vector<JobInfo> JobTable::list() const {
    std::vector<JobSlot> copies;
    {
        SegmentLock lock(*segment_);
        const JobSlot* slots = segment_->slots();
        for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i)
            if (slots[i].id != 0) copies.push_back(slots[i]);
    }
    std::vector<JobInfo> jobs;
    jobs.reserve(copies.size());
    for (const JobSlot& slot : copies) jobs.push_back(to_info(slot));
    std::ranges::sort(jobs, {}, &JobInfo::id);
    return jobs;
}

JobId JobTable::next_id() const {
    SegmentLock lock(*segment_);
    return segment_->header().next_id;
}

bool JobTable::erase(JobId id) {
    if (id == 0) return false;
    {
        SegmentLock lock(*segment_);
        std::uint32_t index = index_of(*segment_, id);
        if (index == segment_->capacity()) return false;
        detail::write_slot(*segment_, index, JobSlot{});
    }
    notify_change();
    return true;
}

bool JobTable::update(JobId id, const std::function<bool(JobSlot&)>& change, Change kind) {
    if (id == 0) return false;
    bool changed = false;
    bool of_state = false;
    {
        SegmentLock lock(*segment_);
        std::uint32_t index = index_of(*segment_, id);
        if (index == segment_->capacity()) return false;
        const JobSlot before = segment_->slots()[index];
        JobSlot slot = before;
        changed = change(slot);
        if (changed) {
            of_state = !only_output_moved(before, slot);
            slot.id = id;  // a change may not move the job
            detail::write_slot(*segment_, index, slot);
            // Counted with the flag, so that no crash can leave a flag that no host looks for.
            if (kind == Change::stop_request) segment_->header().stop_request_count.fetch_add(1);
        }
    }
    if (changed) notify(of_state);
    return true;
}

std::atomic<std::uint32_t>& JobTable::counter(Changes which) const {
    detail::SegmentHeader& header = segment_->header();
    return which == Changes::of_state ? header.state_counter : header.change_counter;
}

std::uint32_t JobTable::change_count(Changes which) const {
    return counter(which).load(std::memory_order_acquire);
}

void JobTable::wait_for_change(std::uint32_t seen, std::chrono::nanoseconds timeout, Changes which) const {
    detail::futex_wait(counter(which), seen, timeout);
}

void JobTable::notify(bool of_state) const {
    for (Changes which : {Changes::any, Changes::of_state}) {
        if (which == Changes::of_state && !of_state) continue;
        counter(which).fetch_add(1, std::memory_order_acq_rel);
        detail::futex_wake_all(counter(which));
    }
}

void JobTable::notify_change() const {
    notify(true);
}

void JobTable::describe_table(RepositoryInfo& info) const {
    SegmentLock lock(*segment_);
    const detail::SegmentHeader& header = segment_->header();
    info.capacity = segment_->capacity();
    info.layout_version = header.layout_version;
    info.boot_id = detail::read_field(header.boot_id);
    info.reboots_survived = header.reboots_survived;
    const JobSlot* slots = segment_->slots();
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i)
        if (slots[i].id != 0) ++info.in_use;
}

std::uint32_t JobTable::stop_request_count() const {
    return segment_->header().stop_request_count.load(std::memory_order_acquire);
}

}  // namespace jobctl
