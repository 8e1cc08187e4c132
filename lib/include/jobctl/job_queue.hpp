#pragma once
// Queues: a process job started with StartConditions::queue waits (Blocked)
// until fewer than its queue's slots of the queue's jobs are running, then
// runs; queued jobs start by priority, then in the order they were started. No daemon: each
// waiting worker takes its own turn (see docs/decisions/0039-dependencies-and-queues.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

inline constexpr std::size_t kMaxQueueNameLength = 31;
inline constexpr std::uint32_t kMaxQueueSlots = 100000;
inline constexpr int kMinPriority = -1000000;
inline constexpr int kMaxPriority = 1000000;

struct QueueInfo {
    std::string name;
    std::uint32_t slots = 1;  // at most this many of its jobs run at once; 0: paused
    std::size_t running = 0;  // its jobs holding a slot (Running, Stopping, Suspending, Suspended)
    std::size_t blocked = 0;  // its jobs waiting (Blocked)
};

// Sets how many of the queue's jobs may run at once (default 1). Raising it
// starts waiting jobs at once. 0 pauses the queue (drains it): its running
// jobs finish, and none starts until the slots are raised again; the jobs
// in line say so in their reason.
// Errors: invalid_argument (a bad name, slots over kMaxQueueSlots);
// repository_full (32 queues already have a limit).
void set_queue_slots(Repository& repository, const std::string& queue, std::uint32_t slots);

// A foreach run's own queue: sets how many of its children may run at once
// (its -j) while it runs. Raising it starts that many at once; lowering it
// lets the running ones finish and starts more only below the new limit; 0
// pauses it (no child starts until it is raised). The run's host cuts a
// limit its open-file limit cannot hold to what it can (and writes that
// back: JobInfo::throttle_limit). Returns false when the run has finished
// (nothing to change) or already has that limit.
// Errors: job_not_found; invalid_argument (not a foreach parent, or one on
// Slurm, whose array Slurm throttles; a limit over kMaxQueueSlots).
bool set_throttle_limit(Repository& repository, JobId foreach_parent, std::uint32_t limit);

// Every queue that has a limit set or a job, by name.
std::vector<QueueInfo> list_queues(Repository& repository);

// The queue's waiting (Blocked) jobs in the order it will start them: the
// higher priority first (StartConditions::priority), then the earlier
// start. A job that still waits for the jobs it runs after is at its place.
std::vector<JobInfo> queue_line(Repository& repository, const std::string& queue);

// Moves a waiting job of a queue to its place for `priority`. Returns
// false when there is nothing to change: it has that priority already, or
// is not waiting any more (running or finished).
// Errors: job_not_found; invalid_argument (a job in no queue, a priority
// outside kMinPriority..kMaxPriority).
bool set_job_priority(Repository& repository, JobId id, int priority);

}  // namespace jobctl
