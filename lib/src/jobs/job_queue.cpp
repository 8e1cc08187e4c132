#include "jobctl/job_queue.hpp"

#include <algorithm>
#include <map>
#include <optional>

#include "jobctl/error.hpp"
#include "jobs/queue_turns.hpp"
#include "system/process_identity.hpp"
#include "system/signal_sets.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

bool holds_slot(JobState state) {
    return state == JobState::running || state == JobState::stopping || state == JobState::suspending ||
           state == JobState::suspended;
}

}  // namespace

void detail::check_queue_name(const std::string& queue) {
    if (queue.empty() || queue.size() > kMaxQueueNameLength)
        throw Error(ErrorCode::invalid_argument,
                    "a queue name must be 1 to " + std::to_string(kMaxQueueNameLength) + " bytes long");
    for (unsigned char c : queue)
        if (!std::isalnum(c) && c != '-' && c != '_' && c != '.')
            throw Error(ErrorCode::invalid_argument,
                        "queue name '" + queue + "' may hold only letters, digits, '-', '_' and '.'");
}

void detail::pass_queue_turn(Repository& repository, const std::string& queue) {
    if (queue.empty()) return;
    for (const ProcessIdentity& owner : detail::table_of(repository).next_in_line(queue))
        owner.send_signal(detail::kQueueTurnSignal, detail::kWorkerProgram);  // who waits in line
}

void set_queue_slots(Repository& repository, const std::string& queue, std::uint32_t slots) {
    detail::check_queue_name(queue);
    if (slots > kMaxQueueSlots)
        throw Error(ErrorCode::invalid_argument, "a queue has 0 (paused) to " +
                                                     std::to_string(kMaxQueueSlots) + " slots, not " +
                                                     std::to_string(slots));
    detail::table_of(repository).set_queue_slots(queue, slots);
    // Raised, the next in line start; paused, the first in line takes its
    // turn again and says why it waits.
    detail::pass_queue_turn(repository, queue);
}

bool set_throttle_limit(Repository& repository, JobId foreach_parent, std::uint32_t limit) {
    if (limit > kMaxQueueSlots)
        throw Error(ErrorCode::invalid_argument, "a foreach runs 0 (paused) to " +
                                                     std::to_string(kMaxQueueSlots) +
                                                     " children at once, not " + std::to_string(limit));
    auto result = detail::lifecycle_of(repository).set_throttle_limit(foreach_parent, limit);
    if (!result.found) throw job_not_found(foreach_parent);
    if (!result.top_level)
        throw Error(
            ErrorCode::invalid_argument,
            "job " + std::to_string(foreach_parent) +
                " is not a foreach run here: only a foreach parent (not one on Slurm) has a -j to change");
    return result.requested;
}

void detail::check_priority(int priority) {
    if (priority < kMinPriority || priority > kMaxPriority)
        throw Error(ErrorCode::invalid_argument, "a priority is from " + std::to_string(kMinPriority) +
                                                     " to " + std::to_string(kMaxPriority) + ", not " +
                                                     std::to_string(priority));
}

std::vector<JobInfo> queue_line(Repository& repository, const std::string& queue) {
    detail::check_queue_name(queue);
    return detail::table_of(repository).queue_line(queue);
}

bool set_job_priority(Repository& repository, JobId id, int priority) {
    detail::check_priority(priority);
    std::optional<JobInfo> job = repository.find(id);
    if (!job) throw job_not_found(id);
    if (job->queue.empty())
        throw Error(ErrorCode::invalid_argument, "job " + std::to_string(id) + " (" + job->name +
                                                     ") is in no queue: a priority orders a queue's jobs");
    auto result = detail::lifecycle_of(repository).set_priority(id, priority);
    if (!result.found) throw job_not_found(id);
    // The first in line may be another job now: it takes its turn.
    if (result.requested) detail::pass_queue_turn(repository, job->queue);
    return result.requested;
}

std::vector<QueueInfo> list_queues(Repository& repository) {
    std::map<std::string, QueueInfo> queues;
    for (const auto& [name, slots] : detail::table_of(repository).queue_limits())
        queues[name] = {name, slots, 0, 0};
    for (const JobInfo& job : repository.list()) {
        if (job.queue.empty()) continue;
        QueueInfo& info = queues.try_emplace(job.queue, QueueInfo{job.queue, 1, 0, 0}).first->second;
        if (holds_slot(job.state)) ++info.running;
        if (job.state == JobState::blocked) ++info.blocked;
    }
    std::vector<QueueInfo> list;
    for (auto& [name, info] : queues) list.push_back(std::move(info));
    return list;
}

}  // namespace jobctl
