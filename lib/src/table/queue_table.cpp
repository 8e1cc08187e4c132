// Queues in the table: each queue's slot limit (in the header) and the turn
// of a Blocked job, decided in one critical section so that two workers can
// never both take the last slot.

#include <algorithm>
#include <atomic>
#include <cstring>

#include "jobctl/error.hpp"
#include "table/job_table.hpp"
#include "table/segment.hpp"
#include "table/segment_layout.hpp"
#include "table/segment_lock.hpp"
#include "table/slot_access.hpp"

namespace jobctl::detail {
namespace {

// States in which a job holds one of its queue's slots.
bool holds_slot(const JobSlot& slot) {
    JobState state = state_of(slot);
    return state == JobState::running || state == JobState::stopping || state == JobState::suspending ||
           state == JobState::suspended;
}

bool same_queue(const JobSlot& slot, const char (&queue)[kQueueNameSize]) {
    return slot.id != 0 && queue[0] != '\0' && std::strncmp(slot.queue, queue, kQueueNameSize) == 0;
}

// A queue without an entry has one slot; one with 0 is paused. Caller holds the lock.
std::uint32_t slots_of_queue(const SegmentHeader& header, const char (&queue)[kQueueNameSize]) {
    for (const QueueLimit& limit : header.queues)
        if (limit.name[0] != '\0' && std::strncmp(limit.name, queue, kQueueNameSize) == 0) return limit.slots;
    return 1;
}

// The queue's order: the higher priority first, then the lower id (the
// order of start).
bool comes_before(const JobSlot& a, const JobSlot& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.id < b.id;
}

// What a job in line says while its queue is paused.
std::string paused_reason(const char (&queue)[kQueueNameSize]) {
    std::string name = read_field(queue);
    return "queue " + name + " is paused (jobctl queue " + name + " --slots N resumes it)";
}

}  // namespace

JobTable::QueueTurn JobTable::take_queue_turn(JobId id) {
    QueueTurn turn{QueueTurn::Outcome::not_waiting, {}};
    bool changed = false;
    {
        SegmentLock lock(*segment_);
        std::uint32_t index = slot_index_of(*segment_, id);
        if (index == segment_->capacity()) return turn;
        JobSlot slot = segment_->slots()[index];
        if (state_of(slot) != JobState::blocked || slot.stop_requested) return turn;
        const JobSlot* slots = segment_->slots();
        std::vector<JobInfo> holders;
        const JobSlot* just_ahead = nullptr;
        for (std::uint32_t i = 0, limit = slots_in_use_limit(*segment_); i < limit; ++i) {
            const JobSlot& other = slots[i];
            if (other.id == id || !same_queue(other, slot.queue)) continue;
            if (holds_slot(other)) holders.push_back(job_info_of(other));
            // Ahead: started before it and waiting for the queue: in line, or
            // about to be (its worker has not taken its turn yet; it has no
            // dependencies to wait for first). So the order is the order of
            // start, not of which worker came first.
            // One between two attempts is not in line until its delay is over.
            bool waits_for_queue =
                other.in_line == kInLine || (other.in_line != kBetweenAttempts && other.after[0] == 0);
            bool ahead = state_of(other) == JobState::blocked && waits_for_queue && comes_before(other, slot);
            if (ahead && (just_ahead == nullptr || comes_before(*just_ahead, other))) just_ahead = &other;
        }
        std::uint32_t queue_slots = slots_of_queue(segment_->header(), slot.queue);
        if (just_ahead == nullptr && holders.size() < queue_slots) {
            set_state(slot, JobState::running);
            slot.in_line = 0;
            if (read_field(slot.reason) == paused_reason(slot.queue)) copy_truncated(slot.reason, "");
            turn.outcome = QueueTurn::Outcome::admitted;
        } else {
            slot.in_line = kInLine;
            if (queue_slots == 0)
                copy_truncated(slot.reason, paused_reason(slot.queue));
            else if (read_field(slot.reason) == paused_reason(slot.queue))
                copy_truncated(slot.reason, "");  // resumed, but not its turn yet
            turn.outcome = QueueTurn::Outcome::waiting;
            if (just_ahead != nullptr)
                turn.ahead.push_back(job_info_of(*just_ahead));
            else
                turn.ahead = std::move(holders);
        }
        changed = std::memcmp(&slot, &segment_->slots()[index], sizeof slot) != 0;
        if (changed) write_slot(*segment_, index, slot);
    }
    if (changed) notify_change();
    return turn;
}

void JobTable::set_queue_slots(const std::string& queue, std::uint32_t slots) {
    char name[kQueueNameSize];
    copy_truncated(name, queue);
    {
        SegmentLock lock(*segment_);
        SegmentHeader& header = segment_->header();
        QueueLimit* entry = nullptr;
        for (QueueLimit& limit : header.queues)
            if (limit.name[0] != '\0' && std::strncmp(limit.name, name, kQueueNameSize) == 0) entry = &limit;
        if (entry == nullptr) {
            for (QueueLimit& limit : header.queues)
                if (limit.name[0] == '\0' && entry == nullptr) entry = &limit;
            if (entry == nullptr)
                throw Error(ErrorCode::repository_full, "this repository already has limits for " +
                                                            std::to_string(kMaxQueues) +
                                                            " queues; queues without one have 1 slot");
            // The name's first byte last: a crash before it leaves a free entry.
            std::memcpy(entry->name + 1, name + 1, kQueueNameSize - 1);
            entry->slots = slots;
            std::atomic_thread_fence(std::memory_order_seq_cst);
            entry->name[0] = name[0];
        } else {
            entry->slots = slots;  // one aligned store: whole or not at all
        }
    }
    notify_change();
}

std::vector<ProcessIdentity> JobTable::next_in_line(const std::string& queue) const {
    char name[kQueueNameSize];
    copy_truncated(name, queue);
    std::vector<const JobSlot*> in_line;
    std::vector<ProcessIdentity> owners;
    SegmentLock lock(*segment_);
    const JobSlot* slots = segment_->slots();
    std::uint32_t holding = 0;
    for (std::uint32_t i = 0, limit = slots_in_use_limit(*segment_); i < limit; ++i) {
        const JobSlot& slot = slots[i];
        if (!same_queue(slot, name)) continue;
        holding += holds_slot(slot);
        if (state_of(slot) == JobState::blocked && slot.in_line == kInLine) in_line.push_back(&slot);
    }
    std::uint32_t slots_free = slots_of_queue(segment_->header(), name);
    slots_free = slots_free > holding ? slots_free - holding : 0;
    std::size_t wake = std::min<std::size_t>(slots_free + 1, in_line.size());
    std::partial_sort(in_line.begin(), in_line.begin() + static_cast<std::ptrdiff_t>(wake), in_line.end(),
                      [](const JobSlot* a, const JobSlot* b) { return comes_before(*a, *b); });
    for (std::size_t i = 0; i < wake; ++i)
        owners.push_back(
            {in_line[i]->owner_pid, in_line[i]->owner_start_time, in_line[i]->owner_pid_namespace});
    return owners;
}

std::vector<JobInfo> JobTable::queue_line(const std::string& queue) const {
    char name[kQueueNameSize];
    copy_truncated(name, queue);
    std::vector<JobSlot> waiting;
    {
        SegmentLock lock(*segment_);
        const JobSlot* slots = segment_->slots();
        for (std::uint32_t i = 0, limit = slots_in_use_limit(*segment_); i < limit; ++i)
            if (same_queue(slots[i], name) && state_of(slots[i]) == JobState::blocked &&
                slots[i].in_line != kBetweenAttempts)  // waits for its next attempt, not in line
                waiting.push_back(slots[i]);
    }
    std::sort(waiting.begin(), waiting.end(), comes_before);
    std::vector<JobInfo> line;
    for (const JobSlot& slot : waiting) line.push_back(info_of(slot));
    return line;
}

std::vector<std::pair<std::string, std::uint32_t>> JobTable::queue_limits() const {
    std::vector<std::pair<std::string, std::uint32_t>> limits;
    SegmentLock lock(*segment_);
    for (const QueueLimit& limit : segment_->header().queues)
        if (limit.name[0] != '\0') limits.emplace_back(read_field(limit.name), limit.slots);
    return limits;
}

}  // namespace jobctl::detail
