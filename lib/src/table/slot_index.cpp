#include "table/slot_index.hpp"

#include <string.h>

#include <algorithm>
#include <unordered_map>
#include <utility>

#include "table/segment_layout.hpp"
#include "table/segment_lock.hpp"
#include "table/slot_sequence.hpp"

namespace jobctl::detail {
namespace {

// Slots at or past the high-water mark were never used (bounded by the
// capacity: a damaged header must not send a reader out of the segment).
std::uint32_t scan_limit(const Segment& segment) {
    return std::min(load_word(segment.header().slot_limit), segment.capacity());
}

// How far on from slot `from` slot `to` is, going round the table.
std::uint32_t distance(std::uint32_t from, std::uint32_t to, std::uint32_t capacity) {
    return to >= from ? to - from : capacity - from + to;
}

std::uint32_t relaxed(const std::uint32_t& word) {
    return __atomic_load_n(&word, __ATOMIC_RELAXED);
}

// The slot's name as it stands in the field (no copy: it runs for every job registered).
std::uint32_t bucket_of(const JobSlot& slot, std::uint32_t capacity) {
    return name_bucket(std::string_view(slot.name, ::strnlen(slot.name, sizeof slot.name)), capacity);
}

// What the header counts (segment_layout.hpp, SegmentHeader).
bool is_waiting(const JobSlot& slot) {
    return slot.id != 0 && has_known_state(slot) && !is_finished(slot) && slot.after[0] != 0;
}
// May have a folder in the spool: output, an unfinished run, a process
// job's arguments kept for restart, a finish hook's files.
bool may_own_output(const JobSlot& slot) {
    bool process = slot.type == static_cast<std::uint8_t>(JobType::process) ||
                   slot.type == static_cast<std::uint8_t>(JobType::scheduled);
    return slot.id != 0 && (slot.output_bytes > 0 || !is_finished(slot) || process || slot.finish_hook != 0);
}

void move_count(std::uint32_t& count, bool was, bool is) {
    if (was == is) return;
    std::uint32_t value = load_word(count);
    store_word(count, is ? value + 1 : (value == 0 ? 0 : value - 1));
}

// The index words of one slot as they should be.
struct IndexWords {
    std::uint32_t displaced_count = 0;
    std::uint32_t displaced_reach = 0;
    std::uint32_t name_newer = 0;
    std::uint32_t name_older = 0;
    std::uint32_t first_child = 0;
    std::uint32_t last_child = 0;
};

// Whether a slot's words say what a scan says: the counts and links
// exactly; the reach and a parent's span at least as wide (each is widened
// as jobs come, and not narrowed as they go).
bool agrees(const IndexWords& kept, const IndexWords& scanned) {
    bool span_covers =
        scanned.first_child == 0 || (kept.first_child != 0 && kept.first_child <= scanned.first_child &&
                                     kept.last_child >= scanned.last_child);
    return kept.displaced_count == scanned.displaced_count &&
           kept.displaced_reach >= scanned.displaced_reach && kept.name_newer == scanned.name_newer &&
           kept.name_older == scanned.name_older && span_covers;
}

std::string describe(const IndexWords& words) {
    return "displaced " + std::to_string(words.displaced_count) + " (reach " +
           std::to_string(words.displaced_reach) + "), name newer " + std::to_string(words.name_newer) +
           " older " + std::to_string(words.name_older) + ", children " + std::to_string(words.first_child) +
           ".." + std::to_string(words.last_child);
}

IndexWords words_of(const JobSlot& slot) {
    return {slot.displaced_count, slot.displaced_reach, slot.name_newer,
            slot.name_older,      slot.first_child,     slot.last_child};
}

void set_words(JobSlot& slot, const IndexWords& words) {
    slot.displaced_count = words.displaced_count;
    slot.displaced_reach = words.displaced_reach;
    slot.name_newer = words.name_newer;
    slot.name_older = words.name_older;
    slot.first_child = words.first_child;
    slot.last_child = words.last_child;
}

// The whole index as the slots `with_data` say it should be.
struct ExpectedIndex {
    std::vector<IndexWords> slots;                   // by slot index
    std::unordered_map<std::uint32_t, JobId> heads;  // by bucket; the others are 0
    std::uint32_t waiting_jobs = 0;
    std::uint32_t output_owners = 0;
};

ExpectedIndex expected_index(const JobSlot* slots, std::uint32_t limit, std::uint32_t capacity,
                             const std::vector<SlotRange>& with_data) {
    ExpectedIndex expected;
    expected.slots.resize(capacity);
    std::vector<std::pair<JobId, std::uint32_t>> jobs;  // id, slot index
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < std::min({range.end, limit, capacity}); ++i)
            if (slots[i].id != 0) jobs.emplace_back(slots[i].id, i);
    std::ranges::sort(jobs);
    std::unordered_map<JobId, std::uint32_t> index_by_id(jobs.size());
    for (auto [id, i] : jobs) index_by_id.emplace(id, i);
    std::unordered_map<std::uint32_t, std::uint32_t> newest;  // bucket: slot index of its newest job
    for (auto [id, i] : jobs) {
        const JobSlot& slot = slots[i];
        if (std::uint32_t home = home_slot(id, capacity); home != i) {
            IndexWords& place = expected.slots[home];
            ++place.displaced_count;
            place.displaced_reach = std::max(place.displaced_reach, distance(home, i, capacity));
        }
        std::uint32_t bucket = bucket_of(slot, capacity);
        if (auto previous = newest.find(bucket); previous != newest.end()) {
            expected.slots[i].name_older = slots[previous->second].id;
            expected.slots[previous->second].name_newer = id;
            previous->second = i;
        } else {
            newest.emplace(bucket, i);
        }
        if (auto parent = index_by_id.find(slot.parent_id);
            slot.parent_id != 0 && parent != index_by_id.end()) {
            IndexWords& span = expected.slots[parent->second];
            if (span.first_child == 0) span.first_child = id;  // ids come in order
            span.last_child = id;
        }
        expected.waiting_jobs += is_waiting(slot) ? 1 : 0;
        expected.output_owners += may_own_output(slot) ? 1 : 0;
    }
    for (auto [bucket, i] : newest) expected.heads.emplace(bucket, slots[i].id);
    return expected;
}

JobId expected_head(const ExpectedIndex& expected, std::uint32_t bucket) {
    auto head = expected.heads.find(bucket);
    return head == expected.heads.end() ? 0 : head->second;
}

// Points the job `id`'s link (newer or older) at `to`, if the job is there
// and its link names `from` (a list that does not point back is damage:
// left for the repair).
void relink(const Segment& segment, JobId id, std::uint32_t JobSlot::*link, JobId from, JobId to) {
    std::uint32_t index = index_of(segment, id, false);
    if (index == segment.capacity()) return;
    JobSlot slot = segment.slots()[index];
    if (slot.*link != from) return;
    slot.*link = to;
    write_slot(segment, index, slot);
}

}  // namespace

std::uint32_t home_slot(JobId id, std::uint32_t capacity) {
    return (id - 1) % capacity;
}

std::uint32_t name_bucket(std::string_view name, std::uint32_t capacity) {
    std::uint64_t hash = 14695981039346656037ULL;
    for (unsigned char c : name) {
        hash ^= c;
        hash *= 1099511628211ULL;
    }
    return static_cast<std::uint32_t>(hash % capacity);
}

std::uint32_t index_of(const Segment& segment, JobId id, bool committed_only) {
    const std::uint32_t capacity = segment.capacity();
    if (id == 0) return capacity;
    const JobId next_id = load_word(segment.header().next_id);
    if (committed_only && next_id != 0 && id >= next_id) return capacity;
    const JobSlot* slots = segment.slots();
    const std::uint32_t limit = scan_limit(segment);
    const std::uint32_t home = home_slot(id, capacity);
    // A home at or past the high-water mark was never used, and a job sits
    // at its home or further on (round the table only once the last slot,
    // and so the mark, was reached): no job is there but in a damaged table,
    // where a repair may have kept one anywhere. The home may be a hole of
    // the file (a read would take a page): look below the mark instead.
    if (home >= limit) {
        for (std::uint32_t i = 0; i < limit; ++i)
            if (id_at(slots[i]) == id) return i;
        return capacity;
    }
    if (id_at(slots[home]) == id) return home;
    if (relaxed(slots[home].displaced_count) == 0) return capacity;
    const std::uint32_t reach = std::min(relaxed(slots[home].displaced_reach), capacity - 1);
    for (std::uint32_t k = 1, i = home; k <= reach; ++k) {
        i = i + 1 == capacity ? 0 : i + 1;
        if (i < limit && id_at(slots[i]) == id) return i;
    }
    return capacity;
}

void index_before_registration(const Segment& segment, const std::vector<std::uint32_t>& indices,
                               std::vector<JobSlot>& slots, std::uint32_t parent_index) {
    const std::uint32_t capacity = segment.capacity();
    const JobSlot* table = segment.slots();
    for (std::size_t k = 0; k < slots.size(); ++k) {
        std::uint32_t home = home_slot(slots[k].id, capacity);
        if (indices[k] == home) continue;
        const JobSlot& place = table[home];
        write_place(segment, home, place.displaced_count + 1,
                    std::max(place.displaced_reach, distance(home, indices[k], capacity)));
    }
    if (parent_index < capacity) {
        JobSlot parent = table[parent_index];
        if (parent.first_child == 0) parent.first_child = slots.front().id;
        parent.last_child = std::max(parent.last_child, slots.back().id);
        write_slot(segment, parent_index, parent);
    } else if (slots.size() > 1) {
        slots[0].first_child = slots[1].id;
        slots[0].last_child = slots.back().id;
    }
    const std::uint32_t* heads = segment.name_heads();
    std::unordered_map<std::uint32_t, std::size_t> newest;  // bucket: the newest new job in it
    for (std::size_t k = 0; k < slots.size(); ++k) {
        std::uint32_t bucket = bucket_of(slots[k], capacity);
        slots[k].name_newer = 0;
        if (auto previous = newest.find(bucket); previous != newest.end()) {
            slots[k].name_older = slots[previous->second].id;
            slots[previous->second].name_newer = slots[k].id;
            previous->second = k;
        } else {
            slots[k].name_older = relaxed(heads[bucket]);
            newest.emplace(bucket, k);
        }
    }
}

void index_after_registration(const Segment& segment, const std::vector<JobSlot>& slots) {
    const std::uint32_t capacity = segment.capacity();
    std::uint32_t* heads = segment.name_heads();
    const JobId first_new = slots.front().id;
    for (const JobSlot& slot : slots) {
        // The oldest new job of its bucket: the old head, if any, now has a newer one.
        if (slot.name_older != 0 && slot.name_older < first_new)
            relink(segment, slot.name_older, &JobSlot::name_newer, 0, slot.id);
        if (slot.name_newer == 0)
            __atomic_store_n(&heads[bucket_of(slot, capacity)], slot.id, __ATOMIC_RELEASE);
    }
}

void erase_indexed(const Segment& segment, std::uint32_t index) {
    const std::uint32_t capacity = segment.capacity();
    const JobSlot job = segment.slots()[index];
    if (job.id != 0) {
        std::uint32_t* head = &segment.name_heads()[bucket_of(job, capacity)];
        if (job.name_newer != 0)
            relink(segment, job.name_newer, &JobSlot::name_older, job.id, job.name_older);
        else if (relaxed(*head) == job.id)
            __atomic_store_n(head, job.name_older, __ATOMIC_RELEASE);
        if (job.name_older != 0)
            relink(segment, job.name_older, &JobSlot::name_newer, job.id, job.name_newer);
    }
    write_slot(segment, index, JobSlot{});
    if (job.id == 0) return;
    if (std::uint32_t home = home_slot(job.id, capacity); home != index) {
        const JobSlot& place = segment.slots()[home];
        std::uint32_t count = place.displaced_count == 0 ? 0 : place.displaced_count - 1;
        write_place(segment, home, count, count == 0 ? 0 : place.displaced_reach);
    }
}

void rebuild_index(SegmentHeader& header, std::uint32_t capacity, const std::vector<SlotRange>& with_data) {
    JobSlot* slots = slots_of(&header);
    ExpectedIndex expected = expected_index(slots, load_word(header.slot_limit), capacity, with_data);
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < std::min(range.end, capacity); ++i) {
            if (agrees(words_of(slots[i]), expected.slots[i])) continue;
            JobSlot repaired = slots[i];
            set_words(repaired, expected.slots[i]);
            store_slot(slots[i], repaired);
        }
    std::uint32_t* heads = name_heads_of(&header, capacity);
    for (std::uint32_t bucket = 0; bucket < capacity; ++bucket)
        if (JobId head = expected_head(expected, bucket); relaxed(heads[bucket]) != head)
            __atomic_store_n(&heads[bucket], head, __ATOMIC_RELEASE);
    store_word(header.waiting_jobs, expected.waiting_jobs);
    store_word(header.output_owners, expected.output_owners);
}

std::string index_mismatch(const Segment& segment) {
    const std::uint32_t capacity = segment.capacity();
    const JobSlot* slots = segment.slots();
    const std::vector<SlotRange> with_data = segment.slots_with_data();
    ExpectedIndex expected =
        expected_index(slots, load_word(segment.header().slot_limit), capacity, with_data);
    for (const SlotRange& range : with_data)
        for (std::uint32_t i = range.first; i < std::min(range.end, capacity); ++i)
            if (!agrees(words_of(slots[i]), expected.slots[i]))
                return "slot " + std::to_string(i) + " (job " + std::to_string(slots[i].id) + ") holds " +
                       describe(words_of(slots[i])) + ", a scan says " + describe(expected.slots[i]);
    for (std::uint32_t bucket = 0; bucket < capacity; ++bucket)
        if (relaxed(segment.name_heads()[bucket]) != expected_head(expected, bucket))
            return "name bucket " + std::to_string(bucket) + " is headed by job " +
                   std::to_string(segment.name_heads()[bucket]) + ", a scan says " +
                   std::to_string(expected_head(expected, bucket));
    const SegmentHeader& header = segment.header();
    if (header.waiting_jobs != expected.waiting_jobs)
        return "the header counts " + std::to_string(header.waiting_jobs) + " waiting jobs, a scan " +
               std::to_string(expected.waiting_jobs);
    if (header.output_owners != expected.output_owners)
        return "the header counts " + std::to_string(header.output_owners) +
               " possible output owners, a scan " + std::to_string(expected.output_owners);
    return "";
}

void count_in_header(SegmentHeader& header, const JobSlot& before, const JobSlot& after) {
    move_count(header.waiting_jobs, is_waiting(before), is_waiting(after));
    move_count(header.output_owners, may_own_output(before), may_own_output(after));
}

}  // namespace jobctl::detail
