#include "table/state_history.hpp"

#include <algorithm>
#include <cstring>

#include "system/clock.hpp"

namespace jobctl::detail {

void record_state_step(JobSlot& slot, std::int64_t at_ns) {
    std::uint32_t number = slot.state_changes + 1;
    if (number == 0) number = 1;  // 2^32 changes of one job: start again rather than stop counting
    StateStep& step = slot.history[(number - 1) % kStateHistory];
    step = StateStep{};
    step.at_ns = at_ns;
    step.state = slot.state;
    slot.state_changes = number;
}

void carry_state_history(const JobSlot& before, JobSlot& after) {
    if (after.id == 0) return;    // erased
    if (before.id != after.id) {  // a new job in a free slot
        after.state_changes = 0;
        std::memset(after.history, 0, sizeof after.history);
        record_state_step(after, after.created_ns);
        return;
    }
    after.state_changes = before.state_changes;
    std::memcpy(after.history, before.history, sizeof after.history);
    if (after.state != before.state) record_state_step(after, now_ns());
}

std::vector<StateEntered> states_after(const JobSlot& slot, std::uint32_t seen) {
    std::vector<StateEntered> states;
    std::uint32_t last = slot.state_changes;
    if (last <= seen) return states;
    constexpr auto kKept = static_cast<std::uint32_t>(kStateHistory);
    std::uint32_t first = std::max(seen + 1, last >= kKept ? last - kKept + 1 : 1u);
    for (std::uint32_t number = first; number <= last; ++number) {
        const StateStep& step = slot.history[(number - 1) % kStateHistory];
        states.push_back({number, static_cast<JobState>(step.state), step.at_ns});
    }
    return states;
}

}  // namespace jobctl::detail
