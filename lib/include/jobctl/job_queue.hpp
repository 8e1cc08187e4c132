#pragma once
// Queues: a process job started with StartConditions::queue waits (Blocked)
// until fewer than its queue's slots of the queue's jobs are running, then
// runs; queued jobs start in the order they were started. No daemon: each
// waiting worker takes its own turn (see docs/decisions/0039-dependencies-and-queues.md).

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "jobctl/repository.hpp"

namespace jobctl {

inline constexpr std::size_t kMaxQueueNameLength = 31;
inline constexpr std::uint32_t kMaxQueueSlots = 100000;

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

// Every queue that has a limit set or a job, by name.
std::vector<QueueInfo> list_queues(Repository& repository);

}  // namespace jobctl
