#include "table/job_table.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <unordered_map>
#include <unordered_set>

#include "jobctl/error.hpp"
#include "system/clock.hpp"
#include "table/containment.hpp"
#include "table/crash_points.hpp"
#include "table/finish_hook.hpp"
#include "table/full_command.hpp"
#include "table/futex.hpp"
#include "table/history_line.hpp"
#include "table/job_labels.hpp"
#include "table/job_lifecycle.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"
#include "table/segment_lock.hpp"
#include "table/slot_access.hpp"
#include "table/slot_index.hpp"
#include "table/slot_sequence.hpp"
#include "table/state_history.hpp"
#include "text/display_text.hpp"

namespace jobctl {

using detail::home_slot;
using detail::index_of;
using detail::JobSlot;
using detail::JobTable;
using detail::SegmentLock;
using LookAtFile = detail::Segment::LookAtFile;

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
    // A custom job's type, or one of a job a worker runs on another host ("ssh").
    std::string type_name = detail::to_valid_utf8(detail::read_field(slot.type_name));
    info.type_name = !type_name.empty() ? type_name : std::string(to_string(info.type));
    info.state = detail::state_of(slot);
    info.reason = detail::to_valid_utf8(detail::read_field(slot.reason));
    info.command = detail::to_valid_utf8(detail::read_field(slot.command));
    info.location = detail::to_valid_utf8(detail::read_field(slot.location));
    info.external_id = detail::to_valid_utf8(detail::read_field(slot.external_id));
    info.created = detail::time_from_ns(slot.created_ns);
    info.began = detail::time_from_ns(slot.began_ns);
    info.ended = detail::time_from_ns(slot.ended_ns);
    if (slot.has_exit_code) info.exit_code = slot.exit_code;
    if (slot.term_signal != 0) info.term_signal = slot.term_signal;
    if (slot.has_resources)
        info.resources = ResourceUse{std::chrono::microseconds(slot.cpu_user_us),
                                     std::chrono::microseconds(slot.cpu_system_us), slot.peak_rss_kib * 1024};
    info.in_cgroup = slot.containment == static_cast<std::uint8_t>(detail::Containment::cgroup);
    info.registered_alone = slot.registered_alone != 0;
    info.throttle_limit = slot.throttle_limit;
    info.has_finish_hook = slot.finish_hook != 0;
    info.attempt = slot.attempt;
    info.attempts_allowed = slot.attempts_allowed;
    info.priority = slot.priority;
    if (slot.labels[0] != '\0')
        info.labels = detail::split_labels(detail::to_valid_utf8(detail::read_field(slot.labels)));
    if (info.resources) info.resources->counted_by_cgroup = info.in_cgroup;
    info.owner_pid = slot.owner_pid;
    info.owner_start_time = slot.owner_start_time;
    info.owner_pid_namespace = slot.owner_pid_namespace;
    info.owner_claimed = slot.owner_claimed != 0;
    info.process_id = slot.process_id;
    info.process_start_time = slot.process_start_time;
    info.output_bytes = slot.output_bytes;
    info.read_offset = slot.read_offset;
    info.stop_requested = slot.stop_requested != 0;
    info.suspend_requested = slot.suspend_requested != 0;
    info.can_suspend = slot.can_suspend != 0;
    info.cwd = detail::to_valid_utf8(detail::read_field(slot.cwd));
    if (slot.timeout_ms != 0) info.timeout = std::chrono::milliseconds(slot.timeout_ms);
    for (JobId after : slot.after)
        if (after != 0) info.after.push_back(after);
    info.after_any_outcome = slot.after_any_outcome != 0;
    info.queue = detail::to_valid_utf8(detail::read_field(slot.queue));
    info.in_line = slot.in_line == detail::kInLine;
    if (slot.has_progress)
        info.progress = JobProgress{std::min(slot.progress_ppm, 1'000'000u) / 1e6,
                                    detail::to_valid_utf8(detail::read_field(slot.progress_text))};
    return info;
}

// Slots at or past the header's high-water mark were never used. (Bounded
// by the capacity: a damaged header must not send a reader out of the segment.)
std::uint32_t scan_limit(const detail::Segment& segment) {
    return std::min(detail::load_word(segment.header().slot_limit), segment.capacity());
}

// Whether one of the `count` ids from `first` is in its home slot already:
// a damaged next_id (under the lock).
bool ids_taken_at_home(const detail::Segment& segment, JobId first, std::size_t count) {
    for (std::size_t k = 0; k < count; ++k) {
        JobId id = first + static_cast<JobId>(k);
        if (detail::id_at(segment.slots()[home_slot(id, segment.capacity())]) == id) return true;
    }
    return false;
}

// A copy of slot `index`, read without the lock (segment_layout.hpp, "Read
// without the lock"): a writer at work makes it try again. One that stays
// at work that long has been stopped, or has died, mid-write: the copy is
// then the slot as it was before that write, from the armed journal. (Only
// a journal overwritten in between sends the reader to the lock.)
JobSlot read_slot(const detail::Segment& segment, std::uint32_t index) {
    constexpr int kTries = 200;
    JobSlot copy;
    const JobSlot& slot = segment.slots()[index];
    for (int attempt = 0; attempt < kTries; ++attempt) {
        if (detail::try_load_slot(slot, copy)) return copy;
        if (attempt >= 16) {
            if (detail::try_load_from_journal(segment.header().journal, index, slot, copy)) return copy;
            sched_yield();
        }
    }
    SegmentLock lock(segment);
    return slot;
}

// True when a change moved only the output counters (bytes written, bytes
// received) or the mark of a history line written: nothing a wait for a
// state waits for.
bool only_output_moved(const JobSlot& before, const JobSlot& after) {
    JobSlot same = before;
    same.output_bytes = after.output_bytes;
    same.read_offset = after.read_offset;
    same.history_line = after.history_line;
    return std::memcmp(&same, &after, sizeof(JobSlot)) == 0;
}

// Only a job whose outcome and output a receive (or run, or foreach) handed
// over may be evicted: a job nobody looked at since it ended, even one that
// printed nothing, is kept for the wait or receive that may come for it.
bool finished_and_received(const JobSlot& slot) {
    return detail::is_finished(slot) && slot.outcome_received != 0 && slot.read_offset >= slot.output_bytes;
}

// Collects up to `wanted` free slots into `indices`, walking from slot
// `start` on (a new job's home slot) and round the table once: in a sparse
// table the first `wanted` probes find them. It reads no slot at or past
// `readable` (Segment::reserved_slots: their blocks may not be reserved
// yet): when it would, it stops and returns how many slots must be
// reserved for the walk to end, counting those still wanted as free (they
// are past the high-water mark: never used). Otherwise 0. Caller holds the lock.
std::uint32_t collect_free_slots(const detail::Segment& segment, std::uint32_t start, std::size_t wanted,
                                 std::vector<std::uint32_t>& indices, std::uint32_t readable) {
    const JobSlot* slots = segment.slots();
    std::uint32_t capacity = segment.capacity();
    indices.clear();
    for (std::uint32_t k = 0, i = start; k < capacity && indices.size() < wanted;
         ++k, i = i + 1 == capacity ? 0 : i + 1) {
        if (i >= readable)
            return static_cast<std::uint32_t>(
                std::min<std::uint64_t>(capacity, std::uint64_t{i} + (wanted - indices.size())));
        if (slots[i].id == 0) indices.push_back(i);
    }
    return 0;
}

// Before the high-water mark rises to `new_limit`: a slot at or past it was
// never part of the table (a writer raises the mark after its slots, and
// the repair after a crash raises it over every slot in use), so one that
// holds a job there is damage, not a job: left, it would appear with the
// new ones, a child perhaps whose parent was removed while it was hidden.
// Caller holds the lock. Slots in the file's holes read as empty.
void clear_slots_never_covered(const detail::Segment& segment, std::uint32_t new_limit) {
    JobSlot* slots = segment.slots();
    for (std::uint32_t i = scan_limit(segment); i < std::min(new_limit, segment.capacity()); ++i)
        if (slots[i].id != 0) detail::erase_indexed(segment, i);  // out of its name's list too
}

// One past the highest home slot of the `count` ids from `first`: the slots
// that ids_taken_at_home reads.
std::uint32_t homes_end(JobId first, std::size_t count, std::uint32_t capacity) {
    if (count >= capacity) return capacity;
    std::uint32_t home = home_slot(first, capacity);
    std::uint64_t end = std::uint64_t{home} + count;
    return end > capacity ? capacity : static_cast<std::uint32_t>(end);  // wrapped: up to the last slot
}

// What a registration of `count` jobs will read and write, as an unlocked
// look at the header foresees it: the slots from the high-water mark (or
// the next id's home slot, if further) on, `count` of them. Reserved before
// the lock is taken; under it, the walk that picks the slots asks for more
// if others took these meanwhile.
std::uint32_t slots_to_reserve(const detail::Segment& segment, std::size_t count) {
    std::uint32_t capacity = segment.capacity();
    std::uint32_t limit = scan_limit(segment);
    JobId next = detail::load_word(segment.header().next_id);
    std::uint64_t from = std::max(limit, next == 0 ? 0 : home_slot(next, capacity));
    return static_cast<std::uint32_t>(std::min<std::uint64_t>(capacity, from + count));
}

// A full table makes room: whole families (a job without a parent, and its
// children) that are finished and whose output was all received, those that
// finished first first, until `needed` slots are freed. Never a job with
// output nobody has read. If they cannot free `needed` slots, nothing is
// evicted and `evictable` says how many they could. Returns the ids freed,
// for their spool folders to go. Caller holds the lock.
std::vector<JobId> evict_oldest_received(const detail::Segment& segment, std::size_t needed,
                                         std::size_t& evictable) {
    JobSlot* slots = segment.slots();
    std::uint32_t limit = scan_limit(segment);
    std::unordered_set<JobId> kept_parents;                    // a child is still unfinished or unreceived
    std::unordered_map<JobId, std::size_t> received_children;  // finished and received, by parent
    for (std::uint32_t i = 0; i < limit; ++i) {
        const JobSlot& slot = slots[i];
        if (slot.id == 0 || slot.parent_id == 0) continue;
        if (finished_and_received(slot))
            ++received_children[slot.parent_id];
        else
            kept_parents.insert(slot.parent_id);
    }
    struct Family {
        std::int64_t ended_ns;
        JobId parent;
        std::size_t size;
    };
    std::vector<Family> families;
    for (std::uint32_t i = 0; i < limit; ++i) {
        const JobSlot& slot = slots[i];
        if (slot.id == 0 || slot.parent_id != 0 || !finished_and_received(slot) ||
            kept_parents.contains(slot.id))
            continue;
        auto children = received_children.find(slot.id);
        families.push_back(
            {slot.ended_ns, slot.id, 1 + (children == received_children.end() ? 0 : children->second)});
    }
    std::ranges::sort(families, [](const Family& a, const Family& b) {
        return a.ended_ns != b.ended_ns ? a.ended_ns < b.ended_ns : a.parent < b.parent;
    });
    std::unordered_set<JobId> victims;
    evictable = 0;
    for (const Family& family : families) {
        if (evictable >= needed) break;
        victims.insert(family.parent);
        evictable += family.size;
    }
    std::vector<JobId> evicted;
    if (evictable < needed) {
        for (std::size_t i = victims.size(); i < families.size(); ++i) evictable += families[i].size;
        return evicted;
    }
    // Children before their parent: a crash half-way leaves a parent with
    // fewer children (a family that can still go later), never orphans.
    for (bool parents : {false, true})
        for (std::uint32_t i = 0; i < limit; ++i) {
            const JobSlot& slot = slots[i];
            if (slot.id == 0 || !victims.contains(parents ? slot.id : slot.parent_id)) continue;
            if (!parents && slot.parent_id == 0) continue;
            evicted.push_back(slot.id);
            detail::erase_indexed(segment, i);
        }
    return evicted;
}

// What registering `count` jobs needs, in the words of the full-table error.
std::string jobs_needing_room(std::size_t count, bool with_parent) {
    if (count == 1) return "a job";
    if (with_parent) return "a parent and its " + std::to_string(count - 1) + " children";
    return std::to_string(count) + " more children";
}

}  // namespace

JobInfo detail::job_info_of(const JobSlot& slot) {
    return to_info(slot);
}
std::uint32_t detail::slots_in_use_limit(const Segment& segment) {
    return scan_limit(segment);
}
std::uint32_t detail::slot_index_of(const Segment& segment, JobId id) {
    return index_of(segment, id);
}

void check_job_name(const std::string& name) {
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

std::string detail::child_job_name(const std::string& parent_name, std::size_t number) {
    return child_job_name(parent_name, std::to_string(number));
}

std::string detail::child_job_name(const std::string& parent_name, const std::string& tail) {
    std::string suffix = ":" + tail;
    std::size_t length = std::min(parent_name.size(), Repository::kMaxNameLength - suffix.size());
    // Cut at a character boundary: never half a UTF-8 sequence before the suffix.
    if (length < parent_name.size())
        while (length > 0 && (static_cast<unsigned char>(parent_name[length]) & 0xC0) == 0x80) --length;
    return parent_name.substr(0, length) + suffix;
}

JobTable::JobTable(detail::RepositoryLocation location, std::unique_ptr<detail::Segment> segment)
    : location_(std::move(location)),
      segment_(std::move(segment)),
      history_(std::make_unique<HistoryFile>(location_.history)) {
    for (JobId id : segment_->take_ended_at_reboot())
        if (std::optional<JobInfo> job = find(id)) {
            if (job->has_finish_hook) detail::start_finish_hook(*this, *job);
            detail::JobLifecycle(*this).record_history(*job);
        }
}
JobTable::~JobTable() = default;

std::uint32_t JobTable::capacity() const {
    return segment_->capacity();
}

std::filesystem::path JobTable::job_directory(JobId id) const {
    return location_.spool / std::to_string(id);
}

namespace {

// A new job's slot as far as it is known before the lock: everything but
// its id, parent (of a child), creation time and default name.
JobSlot prepared_slot(const detail::NewJob& job, const std::string& location) {
    if (!job.name.empty()) check_job_name(job.name);
    JobSlot slot{};
    slot.parent_id = job.parent_id;
    slot.type = static_cast<std::uint8_t>(job.type);
    // A job that runs after others, or in a queue, waits Blocked from the start.
    bool waits = !job.after.empty() || !job.queue.empty();
    detail::set_state(slot, waits ? JobState::blocked : JobState::not_started);
    slot.owner_pid = job.owner_pid;
    slot.owner_start_time = job.owner_start_time;
    slot.owner_claimed = job.owner_claimed ? 1 : 0;
    slot.can_suspend = job.can_suspend ? 1 : 0;
    detail::copy_truncated(slot.name, job.name);
    detail::copy_truncated(slot.command, detail::slot_command_text(job.command, sizeof slot.command));
    detail::copy_truncated(slot.location, job.location.empty() ? location : job.location);
    detail::copy_truncated(slot.type_name, job.type_name);
    detail::copy_truncated(slot.external_id, job.external_id);
    slot.throttle_limit = job.throttle_limit;
    slot.finish_hook = job.has_finish_hook ? 1 : 0;
    slot.attempts_allowed = job.attempts_allowed;
    slot.attempt = job.attempts_allowed != 0 ? 1 : 0;
    slot.priority = job.priority;
    check_labels(job.labels);
    detail::copy_truncated(slot.labels, detail::joined_labels(job.labels));
    if (job.after.size() > detail::kMaxAfter)
        throw Error(ErrorCode::invalid_argument,
                    "a job can run after at most " + std::to_string(detail::kMaxAfter) + " jobs");
    std::copy(job.after.begin(), job.after.end(), slot.after);
    slot.after_any_outcome = job.after_any_outcome ? 1 : 0;
    slot.timeout_ms = job.timeout_ms;
    detail::copy_truncated(slot.queue, job.queue);
    detail::copy_truncated(slot.cwd, job.cwd);
    return slot;
}

}  // namespace

JobInfo JobTable::add(const NewJob& job) {
    std::vector<JobSlot> slots{prepared_slot(job, host_name())};
    slots[0].registered_alone = job.parent_id == 0 ? 1 : 0;
    register_jobs(slots, {job.name.empty()}, 0, 0);
    keep_full_command(slots[0].id, job.command);
    return info_of(slots[0]);
}

JobInfo JobTable::add_family(const NewJob& parent, const std::vector<NewJob>& children) {
    std::string location = host_name();
    std::vector<JobSlot> slots;
    std::vector<bool> unnamed;
    slots.reserve(children.size() + 1);
    unnamed.reserve(children.size() + 1);
    std::vector<std::string> suffixes{""};
    slots.push_back(prepared_slot(parent, location));
    unnamed.push_back(parent.name.empty());
    for (const NewJob& child : children) {
        slots.push_back(prepared_slot(child, location));
        unnamed.push_back(child.name.empty());
        suffixes.push_back(child.child_suffix);
    }
    register_jobs(slots, unnamed, 0, 1, suffixes);
    keep_full_command(slots[0].id, parent.command);
    for (std::size_t i = 0; i < children.size(); ++i) keep_full_command(slots[i + 1].id, children[i].command);
    return info_of(slots[0]);
}

JobId JobTable::add_children(JobId parent, const std::vector<NewJob>& children, std::size_t first_number) {
    if (children.empty() || parent == 0) return 0;
    std::string location = host_name();
    std::vector<JobSlot> slots;
    std::vector<bool> unnamed;
    slots.reserve(children.size());
    unnamed.reserve(children.size());
    for (const NewJob& child : children) {
        slots.push_back(prepared_slot(child, location));
        unnamed.push_back(child.name.empty());
    }
    JobId first = register_jobs(slots, unnamed, parent, first_number);
    if (first != 0)
        for (std::size_t i = 0; i < children.size(); ++i) keep_full_command(slots[i].id, children[i].command);
    return first;
}

// After the lock: a command too long for its slot is kept whole in the job's
// folder. A start does not fail for it: the slot keeps its marked start.
void JobTable::keep_full_command(JobId id, const std::string& command) const {
    if (command.size() < detail::kCommandSize) return;
    try {
        detail::keep_full_command(job_directory(id), command);
    } catch (const Error&) {
    }
}

JobInfo JobTable::info_of(const JobSlot& slot) const {
    JobInfo info = to_info(slot);
    if (detail::may_be_shortened(info.command, detail::kCommandSize))
        info.command = detail::full_command(job_directory(info.id), std::move(info.command));
    return info;
}

// Registers `slots` (prepared_slot) in one critical section, all or none.
//  - existing_parent == 0: slots[0] is a new job and, if more follow, their
//    parent; slots[k] gets the id slots[0].id + k.
//  - existing_parent != 0: every slot is a child of that job, which must be
//    there, unfinished, not asked to stop and not registered alone; returns the first one's id (0
//    when it is not).
// The crash protocol (segment_layout.hpp, "Crash repair"): every slot goes
// through write_slot (a slot is whole or as before); the children are
// written before a new parent; the header's next_id moves past the new ids
// last. A crash before that leaves slots at or above next_id, and repair
// erases those whose parent slot is absent: a family is registered whole or
// not at all. (A single job written whole is kept, as it always was. A crash
// while more children are added to an existing parent may leave some of
// them: their host died, so they end "host lost" with their parent.)
JobId JobTable::register_jobs(std::vector<JobSlot>& slots, const std::vector<bool>& unnamed,
                              JobId existing_parent, std::size_t first_number,
                              const std::vector<std::string>& child_suffixes) {
    const bool new_parent = existing_parent == 0 && slots.size() > 1;
    std::vector<std::uint32_t> indices;  // allocated before the lock
    indices.reserve(slots.size());
    std::vector<JobId> evicted;
    JobId first_id = 0;
    // The slots it reads and writes have their disk blocks first (a page
    // first written on a full disk is a SIGBUS): reserved here, without the
    // lock (it may wait for the disk); if under the lock it needs more (others
    // took the slots meanwhile), it lets go, reserves them, and starts again.
    for (std::uint32_t reserve_to = slots_to_reserve(*segment_, slots.size());;) {
        segment_->reserve_slots(reserve_to);
        // Each round asks for more than the last had: never round again for nothing.
        if (segment_->reserved_slots() < reserve_to)
            throw Error(ErrorCode::system,
                        "cannot reserve disk space for the repository's table " + segment_->path());
        SegmentLock lock(*segment_);
        detail::SegmentHeader& header = segment_->header();
        const std::uint32_t readable = segment_->reserved_slots();
        // 0 is no id (a damaged header); take the one after the highest in use.
        if (header.next_id == 0) detail::repair_after_dead_owner(*segment_);
        std::string parent_name;
        bool parent_suspended = false;
        std::uint32_t parent_index = segment_->capacity();
        // A child registered by itself (add with a parent: tests staging a
        // family) widens its parent's span too, as add_children does.
        if (existing_parent == 0 && slots.size() == 1 && slots[0].parent_id != 0)
            parent_index = index_of(*segment_, slots[0].parent_id);
        if (existing_parent != 0) {
            parent_index = index_of(*segment_, existing_parent);
            if (parent_index == segment_->capacity()) return 0;
            const JobSlot& parent = segment_->slots()[parent_index];
            // One registered alone is looked at as childless: it gets none.
            if (detail::is_finished(parent) || parent.stop_requested || parent.registered_alone) return 0;
            parent_name = detail::read_field(parent.name);
            parent_suspended = parent.suspend_requested != 0;
        }
        first_id = header.next_id;
        std::uint32_t capacity = segment_->capacity();
        if (std::uint32_t homes = homes_end(first_id, slots.size(), capacity); homes > readable) {
            reserve_to = homes;
            continue;
        }
        // A next_id damaged to below ids in use would hand an id out twice.
        // A job sits in its home slot as a rule: one look there per new id,
        // and the full repair (next_id after the highest id) if one is taken.
        if (ids_taken_at_home(*segment_, first_id, slots.size())) {
            detail::repair_after_dead_owner(*segment_);
            first_id = header.next_id;
        }
        if (slots.size() > std::numeric_limits<JobId>::max() - first_id)
            throw Error(ErrorCode::repository_full, "repository '" + name() + "' has run out of job ids");
        reserve_to =
            collect_free_slots(*segment_, home_slot(first_id, capacity), slots.size(), indices, readable);
        if (reserve_to != 0) continue;
        if (indices.size() < slots.size()) {
            // The walk went round the whole table: every slot is reserved.
            std::size_t evictable = 0;
            std::vector<JobId> freed =
                evict_oldest_received(*segment_, slots.size() - indices.size(), evictable);
            if (freed.empty()) {
                if (slots.size() == 1)
                    throw Error(ErrorCode::repository_full,
                                "repository '" + name() + "' is full: its " + std::to_string(capacity) +
                                    " jobs are unfinished or have output nobody received; free room with "
                                    "'jobctl receive' then 'jobctl remove --state Completed' (or Failed, "
                                    "Stopped)");
                throw Error(
                    ErrorCode::repository_full,
                    "repository '" + name() +
                        "' is full: " + jobs_needing_room(slots.size(), existing_parent == 0) + " need " +
                        std::to_string(slots.size()) + " slots, and only " +
                        std::to_string(indices.size() + evictable) + " of its " + std::to_string(capacity) +
                        " are free or hold finished jobs whose output was received; free room with "
                        "'jobctl receive' then 'jobctl remove --state Completed' (or Failed, Stopped)");
            }
            evicted.insert(evicted.end(), freed.begin(), freed.end());
            collect_free_slots(*segment_, home_slot(first_id, capacity), slots.size(), indices, readable);
        }
        std::int64_t now = detail::now_ns();
        for (std::size_t k = 0; k < slots.size(); ++k) {
            JobSlot& slot = slots[k];
            slot.id = first_id + static_cast<JobId>(k);
            slot.created_ns = now;
            if (existing_parent != 0) {
                slot.parent_id = existing_parent;
                // As request_suspend would have left them, had they been there.
                if (parent_suspended) {
                    slot.suspend_requested = 1;
                    detail::set_state(slot, JobState::suspended);
                }
            } else if (k > 0)
                slot.parent_id = first_id;
            if (k == 0 && existing_parent == 0) parent_name = detail::read_field(slot.name);
            if (!unnamed[k]) continue;
            if (k == 0 && existing_parent == 0) {
                parent_name = "Job" + std::to_string(slot.id);
                detail::copy_truncated(slot.name, parent_name);
            } else {
                std::size_t number = first_number + k - (existing_parent == 0 ? 1 : 0);
                bool suffixed = k < child_suffixes.size() && !child_suffixes[k].empty();
                detail::copy_truncated(slot.name, suffixed
                                                      ? detail::child_job_name(parent_name, child_suffixes[k])
                                                      : detail::child_job_name(parent_name, number));
            }
        }
        clear_slots_never_covered(*segment_, *std::ranges::max_element(indices) + 1);
        detail::index_before_registration(*segment_, indices, slots, parent_index);
        // Children first, a new parent last (see above).
        for (std::size_t k = new_parent ? 1 : 0; k < slots.size(); ++k) {
            detail::write_slot(*segment_, indices[k], slots[k]);
            if (slots.size() > 1) detail::reach_crash_point(testing::CrashPoint::child_written);
        }
        if (new_parent) detail::write_slot(*segment_, indices[0], slots[0]);
        detail::index_after_registration(*segment_, slots);
        detail::store_word(header.slot_limit,
                           std::max(header.slot_limit, *std::ranges::max_element(indices) + 1));
        // Last, after every slot: until next_id has moved past the new ids, a
        // crash leaves them "uncommitted", and repair erases the children of
        // a parent that was never written; unlocked readers do not list them.
        std::atomic_thread_fence(std::memory_order_seq_cst);
        detail::store_word(header.next_id, first_id + static_cast<JobId>(slots.size()));
        break;
    }
    for (JobId id : evicted) {  // outside the lock: file system work
        std::error_code ignored;
        std::filesystem::remove_all(job_directory(id), ignored);
    }
    notify_change();
    return first_id;
}

std::optional<JobInfo> JobTable::find(JobId id) const {
    if (id == 0) return std::nullopt;
    detail::repair_if_owner_died(*segment_);
    std::uint32_t index = index_of(*segment_, id);
    if (index == segment_->capacity()) {
        segment_->check_intact(LookAtFile::when_due);
        return std::nullopt;
    }
    JobSlot copy = read_slot(*segment_, index);
    segment_->check_intact(LookAtFile::when_due);
    if (copy.id != id) return std::nullopt;  // erased since it was found
    return info_of(copy);
}

// Without the lock: each slot copied whole, the table as a whole as it was
// while the copy was made. Jobs registered after it began (ids from the
// next_id read first) are left out: a family is listed whole or not at all.
std::vector<JobSlot> JobTable::copy_slots() const {
    std::vector<JobSlot> copies;
    detail::repair_if_owner_died(*segment_);
    const JobId registered_below = detail::load_word(segment_->header().next_id);
    const JobSlot* slots = segment_->slots();
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i) {
        if (detail::id_at(slots[i]) == 0) continue;
        JobSlot copy = read_slot(*segment_, i);
        if (copy.id != 0 && (registered_below == 0 || copy.id < registered_below)) copies.push_back(copy);
    }
    segment_->check_intact(LookAtFile::now);  // a job missing from the list may be a shrunk table
    return copies;
}

// As copy_slots, but each slot is copied only when its turn comes: a job
// erased meanwhile, or a slot taken by a newer job, is left out.
void JobTable::visit_by_id(const std::function<bool(const JobInfo&)>& visit,
                           const std::function<void(JobId highest)>& before_first) const {
    detail::repair_if_owner_died(*segment_);
    const JobId registered_below = detail::load_word(segment_->header().next_id);
    const JobSlot* slots = segment_->slots();
    std::vector<std::pair<JobId, std::uint32_t>> places;  // (id, slot)
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i) {
        JobId id = detail::id_at(slots[i]);
        if (id != 0 && (registered_below == 0 || id < registered_below)) places.emplace_back(id, i);
    }
    std::ranges::sort(places);
    if (before_first) before_first(places.empty() ? 0 : places.back().first);
    for (auto [id, index] : places) {
        JobSlot copy = read_slot(*segment_, index);
        if (copy.id == id && !visit(info_of(copy))) return;
    }
    segment_->check_intact(LookAtFile::now);  // a job missing from the list may be a shrunk table
}

std::vector<JobInfo> JobTable::list() const {
    std::vector<JobSlot> copies = copy_slots();
    std::vector<JobInfo> jobs;
    jobs.reserve(copies.size());
    for (const JobSlot& slot : copies) jobs.push_back(info_of(slot));
    std::ranges::sort(jobs, {}, &JobInfo::id);
    return jobs;
}

// A parent's children have ids in its span (segment_layout.hpp, "The
// index"): one probe for each id there, whatever the size of the table. A
// span wider than the slots in use (a foreach fed for days while others
// registered, or a damaged slot) costs no more than the walk of them all.
std::vector<JobInfo> JobTable::children_of(const std::vector<JobId>& parents) const {
    std::vector<JobInfo> children;
    visit_children(parents, [&](const JobSlot& child) {
        children.push_back(info_of(child));
        return true;
    });
    std::ranges::sort(children, {}, &JobInfo::id);
    return children;
}

bool JobTable::child_has_more_data(JobId parent) const {
    bool found = false;
    visit_children({parent}, [&](const JobSlot& child) {
        found = child.output_bytes > child.read_offset;
        return !found;  // the first is enough
    });
    return found;
}

void JobTable::visit_children(const std::vector<JobId>& parents,
                              const std::function<bool(const JobSlot&)>& visit) const {
    if (parents.empty()) return;
    detail::repair_if_owner_died(*segment_);
    const std::uint32_t capacity = segment_->capacity();
    std::vector<JobId> walked;  // parents whose children are found by a walk of every slot
    for (JobId parent : parents) {
        std::uint32_t index = index_of(*segment_, parent);
        if (index == capacity) continue;
        JobSlot copy = read_slot(*segment_, index);
        if (copy.id != parent || copy.first_child == 0 || copy.last_child < copy.first_child) continue;
        if (copy.last_child - copy.first_child >= scan_limit(*segment_)) {
            walked.push_back(parent);
            continue;
        }
        for (JobId id = copy.first_child; id != 0 && id <= copy.last_child; ++id) {
            std::uint32_t at = index_of(*segment_, id);
            if (at == capacity) continue;
            JobSlot child = read_slot(*segment_, at);
            if (child.id == id && child.parent_id == parent && !visit(child)) return;
        }
    }
    if (!walked.empty()) {
        std::ranges::sort(walked);
        if (!visit_children_walked(walked, visit)) return;
    }
    segment_->check_intact(LookAtFile::now);  // a child missing may be a shrunk table
}

bool JobTable::visit_children_walked(const std::vector<JobId>& parents,
                                     const std::function<bool(const JobSlot&)>& visit) const {
    auto wanted = [&](JobId parent) { return parent != 0 && std::ranges::binary_search(parents, parent); };
    const JobSlot* slots = segment_->slots();
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i) {
        if (!wanted(detail::parent_at(slots[i])) || detail::id_at(slots[i]) == 0) continue;
        JobSlot copy = read_slot(*segment_, i);
        if (copy.id != 0 && wanted(copy.parent_id) && !visit(copy)) return false;
    }
    return true;
}

std::vector<JobInfo> JobTable::find_named(const std::string& name) const {
    detail::repair_if_owner_died(*segment_);
    const JobId registered_below = detail::load_word(segment_->header().next_id);
    const std::uint32_t capacity = segment_->capacity();
    const std::uint32_t& head = segment_->name_heads()[detail::name_bucket(name, capacity)];
    std::vector<JobInfo> found;
    JobId newer = 0;
    std::uint32_t steps = 0;
    for (JobId id = __atomic_load_n(&head, __ATOMIC_ACQUIRE); id != 0; ++steps) {
        // Newest first, ids falling; a link to a job gone, or one that does
        // not point back, was changed meanwhile (or damaged): list instead.
        std::uint32_t index = index_of(*segment_, id, false);
        if ((newer != 0 && id >= newer) || steps > scan_limit(*segment_) || index == capacity)
            return named_in_listing(name);
        JobSlot copy = read_slot(*segment_, index);
        if (copy.id != id || copy.name_newer != newer) return named_in_listing(name);
        if ((registered_below == 0 || id < registered_below) && detail::read_field(copy.name) == name)
            found.push_back(info_of(copy));
        newer = id;
        id = copy.name_older;
    }
    segment_->check_intact(LookAtFile::when_due);
    std::ranges::sort(found, {}, &JobInfo::id);
    return found;
}

std::vector<JobInfo> JobTable::named_in_listing(const std::string& name) const {
    std::vector<JobInfo> jobs = list();
    std::erase_if(jobs, [&](const JobInfo& job) { return job.name != name; });
    return jobs;
}

std::optional<JobInfo> JobTable::unfinished_after(const std::vector<JobId>& ids) const {
    detail::repair_if_owner_died(*segment_);
    // None waits for another at all, as a rule: no walk then.
    if (detail::load_word(segment_->header().waiting_jobs) == 0) return std::nullopt;
    const JobSlot* slots = segment_->slots();
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i) {
        if (detail::id_at(slots[i]) == 0 || is_terminal(static_cast<JobState>(detail::state_at(slots[i]))))
            continue;
        JobSlot copy = read_slot(*segment_, i);
        if (copy.id == 0 || is_terminal(static_cast<JobState>(copy.state))) continue;
        for (std::uint32_t after : copy.after) {
            if (after == 0) break;
            if (std::ranges::binary_search(ids, after)) return info_of(copy);
        }
    }
    return std::nullopt;
}

std::size_t JobTable::possible_output_owners() const {
    return detail::load_word(segment_->header().output_owners);
}

std::string JobTable::index_mismatch() const {
    SegmentLock lock(*segment_);
    return detail::index_mismatch(*segment_);
}

std::vector<detail::JobRecord> JobTable::list_with_history() const {
    std::vector<JobSlot> copies = copy_slots();
    std::vector<detail::JobRecord> records;
    records.reserve(copies.size());
    for (const JobSlot& slot : copies)
        records.push_back({info_of(slot), slot.state_changes, detail::states_after(slot, 0)});
    std::ranges::sort(records, {}, [](const detail::JobRecord& record) { return record.job.id; });
    return records;
}

JobId JobTable::next_id() const {
    return detail::load_word(segment_->header().next_id);
}

bool JobTable::erase(JobId id) {
    if (id == 0) return false;
    {
        SegmentLock lock(*segment_);
        std::uint32_t index = index_of(*segment_, id);
        if (index == segment_->capacity()) return false;
        detail::erase_indexed(*segment_, index);
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
            if (kind == Change::control_request) segment_->header().control_request_count.fetch_add(1);
        }
    }
    if (changed) notify(of_state);
    // Hosts of thread jobs sleep on the count itself (wait_for_control_request).
    if (changed && kind == Change::control_request) wake_control_watchers();
    return true;
}

std::size_t JobTable::update_each(const std::vector<JobId>& ids,
                                  const std::function<bool(std::size_t, JobSlot&)>& change) {
    std::size_t changed = 0;
    bool of_state = false;
    {
        SegmentLock lock(*segment_);
        for (std::size_t at = 0; at < ids.size(); ++at) {
            std::uint32_t index = ids[at] == 0 ? segment_->capacity() : index_of(*segment_, ids[at]);
            if (index == segment_->capacity()) continue;
            const JobSlot before = segment_->slots()[index];
            JobSlot slot = before;
            if (!change(at, slot)) continue;
            of_state |= !only_output_moved(before, slot);
            slot.id = ids[at];  // a change may not move the job
            detail::write_slot(*segment_, index, slot);
            ++changed;
        }
    }
    if (changed > 0) notify(of_state);
    return changed;
}

std::atomic<std::uint32_t>& JobTable::counter(Changes which) const {
    detail::SegmentHeader& header = segment_->header();
    return which == Changes::of_state ? header.state_counter : header.change_counter;
}

std::uint32_t JobTable::change_count(Changes which) const {
    std::uint32_t count = counter(which).load(std::memory_order_acquire);
    segment_->check_intact(LookAtFile::when_due);
    return count;
}

void JobTable::wait_for_change(std::uint32_t seen, std::chrono::nanoseconds timeout, Changes which) const {
    // A table truncated or replaced wakes nobody (a futex on a page that
    // is gone cannot be woken), and one replaced may go on changing (its
    // old users still write it): a waiter looks at the file once a second,
    // and says so rather than follow a ghost.
    constexpr std::chrono::nanoseconds kLookAtTheFileEvery = std::chrono::seconds(1);
    detail::futex_wait(counter(which), seen, std::min(timeout, kLookAtTheFileEvery));
    segment_->check_intact(LookAtFile::when_due);
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
    const detail::SegmentHeader& header = segment_->header();
    info.capacity = segment_->capacity();
    info.layout_version = header.layout_version;  // written once, at creation
    info.boot_id = detail::read_field(header.boot_id);
    info.reboots_survived = header.reboots_survived;
    const JobSlot* slots = segment_->slots();
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i)
        if (detail::id_at(slots[i]) != 0) ++info.in_use;
}

std::uint64_t JobTable::history_limit() const {
    std::uint64_t limit = __atomic_load_n(&segment_->header().history_limit, __ATOMIC_RELAXED);
    if (limit == 0) return kDefaultHistoryLimit;
    return limit == detail::kHistoryOff ? 0 : limit;
}

void JobTable::set_history_limit(std::uint64_t bytes) {
    SegmentLock lock(*segment_);
    __atomic_store_n(&segment_->header().history_limit, bytes == 0 ? detail::kHistoryOff : bytes,
                     __ATOMIC_RELAXED);
}

std::uint64_t JobTable::default_max_output() const {
    return __atomic_load_n(&segment_->header().default_max_output, __ATOMIC_RELAXED);
}

void JobTable::set_default_max_output(std::uint64_t bytes) {
    SegmentLock lock(*segment_);
    __atomic_store_n(&segment_->header().default_max_output, bytes, __ATOMIC_RELAXED);
}

bool JobTable::append_history(const JobInfo& ended) const {
    std::uint64_t limit = history_limit();
    if (limit == 0) return false;
    HistoryEntry entry{ended, std::max(1u, ended.attempt)};
    // A command of megabytes would make a line no reader takes.
    if (entry.job.command.size() > detail::kMaxHistoryCommand)
        entry.job.command = detail::slot_command_text(entry.job.command, detail::kMaxHistoryCommand);
    return history_->append(detail::format_history_line(entry), limit);
}

void JobTable::wait_for_history_lines(const std::vector<JobId>& ids, std::chrono::nanoseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    // An ender that died (or was stopped) before its line costs a waiter
    // the timeout only while its job's end is recent.
    Clock::time_point recent = Clock::now() - std::chrono::seconds(10);
    auto pending = [&](JobId id) {
        std::optional<JobInfo> job = history_line_left(id);
        return job && job->ended > recent;
    };
    for (;;) {
        std::uint32_t seen = change_count();
        if (std::ranges::none_of(ids, pending)) return;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0)) return;
        wait_for_change(seen, left);
    }
}

std::vector<JobInfo> JobTable::history_lines_pending() const {
    const JobSlot* slots = segment_->slots();
    std::vector<JobInfo> pending;
    for (std::uint32_t i = 0, limit = scan_limit(*segment_); i < limit; ++i) {
        if (detail::load_word(slots[i].history_line) != detail::kHistoryLinePending) continue;
        JobSlot copy = read_slot(*segment_, i);
        if (copy.id != 0 && copy.history_line == detail::kHistoryLinePending)
            pending.push_back(info_of(copy));
    }
    return pending;
}

std::optional<JobInfo> JobTable::history_line_left(JobId id) const {
    std::uint32_t index = index_of(*segment_, id);
    if (index == segment_->capacity()) return std::nullopt;
    JobSlot copy = read_slot(*segment_, index);
    if (copy.id != id || copy.history_line != detail::kHistoryLinePending) return std::nullopt;
    return info_of(copy);
}

void JobTable::check_intact() const {
    segment_->check_intact(LookAtFile::now);
}

std::uint32_t JobTable::control_request_count() const {
    return segment_->header().control_request_count.load(std::memory_order_acquire);
}

void JobTable::wait_for_control_request(std::uint32_t seen, std::chrono::nanoseconds timeout) const {
    // As wait_for_change: at most a second, then a look at the file. A
    // requester killed between its request and its wake costs that second.
    constexpr std::chrono::nanoseconds kLookAtTheFileEvery = std::chrono::seconds(1);
    detail::futex_wait(segment_->header().control_request_count, seen,
                       std::min(timeout, kLookAtTheFileEvery));
    segment_->check_intact(LookAtFile::when_due);
}

void JobTable::wake_control_watchers() const {
    detail::futex_wake_all(segment_->header().control_request_count);
}

void JobTable::wake_control_watchers_to_look_again() const {
    // Moved, so that a watcher between its load and its wait does not sleep
    // through the wake; every host then looks at its flags once more.
    segment_->header().control_request_count.fetch_add(1, std::memory_order_acq_rel);
    wake_control_watchers();
}

}  // namespace jobctl
