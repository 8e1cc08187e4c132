#pragma once
// Passing on a queue's turn: whoever ends or admits a job of a queue wakes
// the workers whose turn may have come, and only those (no thundering herd).

#include <string>

#include "jobctl/repository.hpp"

namespace jobctl::detail {

// Errors: invalid_argument unless `queue` is a usable queue name (1 to 31
// letters, digits, '-', '_' or '.').
void check_queue_name(const std::string& queue);
// Errors: invalid_argument for a priority outside kMinPriority..kMaxPriority.
void check_priority(int priority);

// Signals (kQueueTurnSignal) the first free-slots + 1 workers in line in
// `queue`: those that may be admitted now, and the next, which from now on
// watches the jobs holding the slots. Verifies each worker before signalling.
void pass_queue_turn(Repository& repository, const std::string& queue);

}  // namespace jobctl::detail
