#include "table/job_lifecycle.hpp"

#include "system/clock.hpp"
#include "table/finish_hook.hpp"
#include "table/reason_text.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_access.hpp"

namespace jobctl::detail {

void set_outcome(JobSlot& slot, JobState state, std::string_view reason, bool history_kept) {
    set_state(slot, state);
    copy_truncated(slot.reason, reason);
    slot.ended_ns = now_ns();
    slot.suspend_requested = 0;                                 // nothing left to suspend
    if (history_kept) slot.history_line = kHistoryLinePending;  // record_history appends it
}

namespace {

constexpr std::string_view kStoppedBeforeStart = "stopped before it started";

bool owned_by(const JobSlot& slot, const ProcessIdentity& owner) {
    return slot.owner_pid == owner.pid && slot.owner_start_time == owner.start_time;
}

void set_owner(JobSlot& slot, const ProcessIdentity& owner, bool claimed) {
    // Its pid namespace is the writer's, recorded by write_slot.
    slot.owner_pid = owner.pid;
    slot.owner_start_time = owner.start_time;
    slot.owner_claimed = claimed ? 1 : 0;
}

}  // namespace

JobLifecycle::Claim JobLifecycle::claim(JobId id, const ProcessIdentity& worker) {
    const bool history_kept = table_.history_limit() != 0;
    Claim claim = Claim::finished;
    std::optional<JobSlot> ended;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot)) return false;
        if (slot.stop_requested) {
            set_outcome(slot, JobState::stopped, kStoppedBeforeStart, history_kept);
            claim = Claim::stopped_before_start;
            ended = slot;
            return true;
        }
        set_owner(slot, worker, true);
        claim = Claim::claimed;
        return true;
    });
    record_ending(ended);
    return claim;
}

bool JobLifecycle::hand_over(JobId id, const ProcessIdentity& from, const ProcessIdentity& to) {
    bool handed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot) || !owned_by(slot, from)) return false;
        set_owner(slot, to, false);
        handed = true;
        return true;
    });
    return handed;
}

std::size_t JobLifecycle::hand_over(const std::vector<JobId>& ids, const ProcessIdentity& from,
                                    const ProcessIdentity& to) {
    return table_.update_each(ids, [&](std::size_t, JobSlot& slot) {
        if (is_finished(slot) || !owned_by(slot, from)) return false;
        set_owner(slot, to, false);
        return true;
    });
}

std::size_t JobLifecycle::confirm_claim(const std::vector<JobId>& ids, const ProcessIdentity& owner) {
    return table_.update_each(ids, [&](std::size_t, JobSlot& slot) {
        if (is_finished(slot) || !owned_by(slot, owner) || slot.owner_claimed) return false;
        slot.owner_claimed = 1;
        return true;
    });
}

bool JobLifecycle::confirm_claim(JobId id, const ProcessIdentity& owner) {
    bool claimed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot) || !owned_by(slot, owner) || slot.owner_claimed) return false;
        slot.owner_claimed = 1;
        claimed = true;
        return true;
    });
    return claimed;
}

bool JobLifecycle::begin(JobId id, bool parent_stopping) {
    const bool history_kept = table_.history_limit() != 0;
    bool begun = false;
    std::optional<JobSlot> ended;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot)) return false;
        if (slot.stop_requested || parent_stopping) {
            set_outcome(slot, JobState::stopped, kStoppedBeforeStart, history_kept);
            ended = slot;
            return true;
        }
        set_state(slot, JobState::running);
        slot.began_ns = now_ns();
        begun = true;
        return true;
    });
    record_ending(ended);
    return begun;
}

bool JobLifecycle::begin_parent(JobId id) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot)) return false;
        if (slot.began_ns == 0) {
            slot.began_ns = now_ns();
            changed = true;
        }
        if (state_of(slot) == JobState::not_started) {
            set_state(slot, JobState::running);
            changed = true;
        }
        return changed;
    });
    return changed;
}

bool JobLifecycle::unblock(JobId id) {
    bool running = false;
    table_.update(id, [&](JobSlot& slot) {
        if (state_of(slot) != JobState::blocked || slot.stop_requested) return false;
        set_state(slot, JobState::running);
        slot.in_line = 0;
        running = true;
        return true;
    });
    return running;
}

JobLifecycle::CommandStarted JobLifecycle::record_command(JobId id, int pid, std::uint64_t start_time,
                                                          Containment containment, unsigned attempt) {
    CommandStarted started;
    table_.update(id, [&](JobSlot& slot) {
        started.found = true;
        started.parent_id = slot.parent_id;
        // A job suspended before it started (held back, state Suspended, or
        // suspended just as a pool thread began it) is suspended as soon as
        // it has a group to stop. A finished one (marked lost meanwhile)
        // keeps its outcome, but its process is recorded all the same: the
        // checks that no process of a finished job lives on need it.
        started.suspend_now = slot.suspend_requested && !slot.stop_requested && !is_finished(slot);
        // One held back (Suspended before it had a process) stays Suspended:
        // the runner stops the new group at once, and a `suspend` that
        // already returned Suspended must not see it go back to Suspending.
        JobState state = state_of(slot);
        if (state == JobState::not_started || state == JobState::running)
            set_state(slot, started.suspend_now ? JobState::suspending : JobState::running);
        else if (state == JobState::suspended && !started.suspend_now)
            set_state(slot, JobState::running);
        slot.process_id = pid;
        slot.process_start_time = start_time;
        slot.containment = static_cast<std::uint8_t>(containment);
        // Began with its first attempt; the last failed one's reason
        // stays while the next runs.
        if (attempt <= 1 || slot.began_ns == 0) slot.began_ns = now_ns();
        if (attempt != 0) slot.attempt = static_cast<std::uint16_t>(attempt);
        return true;
    });
    return started;
}

bool JobLifecycle::reopen(JobId id, const ProcessIdentity& worker, bool claimed) {
    bool reopened = false;
    table_.update(id, [&](JobSlot& slot) {
        if (!is_finished(slot)) return false;
        bool waits = slot.after[0] != 0 || slot.queue[0] != '\0';
        set_state(slot, waits ? JobState::blocked : JobState::not_started);
        set_owner(slot, worker, claimed);
        copy_truncated(slot.reason, "");
        slot.began_ns = slot.ended_ns = 0;
        slot.has_exit_code = 0;
        slot.exit_code = slot.term_signal = 0;
        slot.has_resources = 0;
        slot.cpu_user_us = slot.cpu_system_us = slot.peak_rss_kib = 0;
        slot.stop_requested = slot.suspend_requested = slot.in_line = 0;
        slot.outcome_received = 0;
        slot.history_line = 0;
        slot.has_progress = 0;
        slot.progress_ppm = 0;
        copy_truncated(slot.progress_text, "");
        slot.process_id = 0;
        slot.process_start_time = 0;
        if (slot.attempts_allowed != 0) slot.attempt = 1;
        reopened = true;
        return true;
    });
    return reopened;
}

bool JobLifecycle::end_attempt(JobId id, std::string_view reason) {
    bool ended = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot) || slot.stop_requested) return false;
        set_state(slot, JobState::blocked);
        copy_truncated(slot.reason, reason);
        slot.in_line = kBetweenAttempts;  // out of its queue's line until the delay is over
        ended = true;
        return true;
    });
    return ended;
}

bool JobLifecycle::set_runner_state(JobId id, JobState state, std::string_view reason) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot)) return false;
        JobState current = state_of(slot);
        // A stop asked for stays visible until the runner's outcome.
        if (current == JobState::stopping) return false;
        // Until the runner has carried out a suspend, the job shows Suspending.
        JobState shown = slot.suspend_requested && state == JobState::running ? JobState::suspending : state;
        if (shown == JobState::running && slot.began_ns == 0) slot.began_ns = now_ns();
        changed = current != shown || read_field(slot.reason) != reason;
        set_state(slot, shown);
        copy_truncated(slot.reason, reason);
        return changed;
    });
    return changed;
}

bool JobLifecycle::set_location(JobId id, std::string_view location) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        changed = read_field(slot.location) != location;
        if (changed) copy_truncated(slot.location, location);
        return changed;
    });
    return changed;
}

bool JobLifecycle::set_external_id(JobId id, std::string_view external_id) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        changed = read_field(slot.external_id) != external_id;
        if (changed) copy_truncated(slot.external_id, external_id);
        return changed;
    });
    return changed;
}

void JobLifecycle::set_external_ids(const std::vector<JobId>& ids,
                                    const std::vector<std::string>& external_ids) {
    table_.update_each(ids, [&](std::size_t at, JobSlot& slot) {
        if (read_field(slot.external_id) == external_ids[at]) return false;
        copy_truncated(slot.external_id, external_ids[at]);
        return true;
    });
}

bool JobLifecycle::publish_output(JobId id, std::uint64_t size) {
    bool moved = false;
    table_.update(id, [&](JobSlot& slot) {
        moved = size > slot.output_bytes;
        if (moved) slot.output_bytes = size;
        return moved;
    });
    return moved;
}

bool JobLifecycle::publish_progress(JobId id, double fraction, std::string_view text) {
    return table_.update(id, [&](JobSlot& slot) {
        slot.has_progress = 1;
        slot.progress_ppm = static_cast<std::uint32_t>(fraction * 1e6 + 0.5);
        copy_truncated(slot.progress_text, text);
        return true;
    });
}

bool JobLifecycle::mark_received(JobId id, std::uint64_t offset, bool handed_over) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        bool moved = slot.read_offset < offset;
        if (moved) slot.read_offset = std::min(offset, slot.output_bytes);
        bool outcome = handed_over && slot.outcome_received == 0 && is_finished(slot) &&
                       slot.read_offset >= slot.output_bytes;
        if (outcome) slot.outcome_received = 1;
        changed = moved || outcome;
        return changed;
    });
    return changed;
}

ControlRequestResult JobLifecycle::request_stop(JobId id, std::chrono::milliseconds grace) {
    ControlRequestResult result;
    result.found = table_.update(
        id,
        [&](JobSlot& slot) {
            result.top_level = slot.parent_id == 0;
            if (is_finished(slot)) return false;
            slot.stop_requested = 1;
            slot.stop_grace_ms = static_cast<std::uint32_t>(grace.count());
            set_state(slot, JobState::stopping);
            result.requested = true;
            return true;
        },
        JobTable::Change::control_request);
    return result;
}

ControlRequestResult JobLifecycle::request_suspend(JobId id) {
    ControlRequestResult result;
    result.found = table_.update(
        id,
        [&](JobSlot& slot) {
            result.top_level = slot.parent_id == 0;
            JobState state = state_of(slot);
            if (is_finished(slot) || slot.suspend_requested) return false;
            // A stop wins over a suspend (and a stopping job is continued).
            if (slot.stop_requested || state == JobState::stopping) return false;
            slot.suspend_requested = 1;
            // Not started yet: nothing to stop, so Suspended at once (held back).
            if (state == JobState::running) set_state(slot, JobState::suspending);
            if (state == JobState::not_started) set_state(slot, JobState::suspended);
            result.requested = true;
            return true;
        },
        JobTable::Change::control_request);
    return result;
}

ControlRequestResult JobLifecycle::set_throttle_limit(JobId id, std::uint32_t limit) {
    ControlRequestResult result;
    result.found = table_.update(
        id,
        [&](JobSlot& slot) {
            // A foreach run by a host: a family's thread-job parent (a
            // library thread job is registered alone; a Slurm array is Slurm's).
            result.top_level = slot.parent_id == 0 && slot.registered_alone == 0 &&
                               slot.type == static_cast<std::uint8_t>(JobType::thread);
            if (!result.top_level || is_finished(slot) || slot.throttle_limit == limit) return false;
            slot.throttle_limit = limit;
            result.requested = true;
            return true;
        },
        JobTable::Change::control_request);
    return result;
}

ControlRequestResult JobLifecycle::set_priority(JobId id, std::int32_t priority) {
    ControlRequestResult result;
    result.found = table_.update(id, [&](JobSlot& slot) {
        if (slot.queue[0] == '\0' || state_of(slot) != JobState::blocked || slot.priority == priority)
            return false;
        slot.priority = priority;
        result.requested = true;
        return true;
    });
    return result;
}

ControlRequestResult JobLifecycle::request_resume(JobId id) {
    ControlRequestResult result;
    result.found = table_.update(
        id,
        [&](JobSlot& slot) {
            result.top_level = slot.parent_id == 0;
            if (is_finished(slot) || !slot.suspend_requested) return false;
            slot.suspend_requested = 0;
            JobState state = state_of(slot);
            if (state == JobState::suspending || state == JobState::suspended)
                set_state(slot, slot.began_ns != 0 ? JobState::running : JobState::not_started);
            result.requested = true;
            return true;
        },
        JobTable::Change::control_request);
    return result;
}

std::chrono::milliseconds JobLifecycle::accept_stop(JobId id, std::chrono::milliseconds default_grace) {
    std::chrono::milliseconds grace{0};  // the job is gone: nothing to wait for
    table_.update(id, [&](JobSlot& slot) {
        if (!slot.stop_requested) slot.stop_grace_ms = static_cast<std::uint32_t>(default_grace.count());
        slot.stop_requested = 1;
        if (!is_finished(slot)) set_state(slot, JobState::stopping);
        grace = std::chrono::milliseconds(slot.stop_grace_ms);
        return true;
    });
    return grace;
}

bool JobLifecycle::mark_timing_out(JobId id) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot) || state_of(slot) == JobState::stopping) return false;
        set_state(slot, JobState::stopping);
        changed = true;
        return true;
    });
    return changed;
}

bool JobLifecycle::confirm_suspended(JobId id) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        // A stop that came meanwhile has set the state already; a resume
        // has cleared the flag (and the runner hears of it next).
        JobState state = state_of(slot);
        if (!slot.suspend_requested || (state != JobState::suspending && state != JobState::running))
            return false;
        set_state(slot, JobState::suspended);
        changed = true;
        return true;
    });
    return changed;
}

bool JobLifecycle::confirm_resumed(JobId id) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        // request_resume has done so already, as a rule. (A suspend made
        // since is left as it is: the runner hears of it next.)
        JobState state = state_of(slot);
        if (slot.suspend_requested || (state != JobState::suspending && state != JobState::suspended))
            return false;
        set_state(slot, JobState::running);
        changed = true;
        return true;
    });
    return changed;
}

bool JobLifecycle::refuse_suspend(JobId id, std::string_view why) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot) || !slot.suspend_requested) return false;
        slot.suspend_requested = 0;
        if (state_of(slot) == JobState::suspending) set_state(slot, JobState::running);
        copy_truncated(slot.reason, why);
        changed = true;
        return true;
    });
    return changed;
}

namespace {

void record_resources(JobSlot& slot, const ResourceUse& use) {
    slot.has_resources = 1;
    slot.cpu_user_us = static_cast<std::uint64_t>(use.user_cpu.count());
    slot.cpu_system_us = static_cast<std::uint64_t>(use.system_cpu.count());
    slot.peak_rss_kib = use.peak_rss_bytes / 1024;
}

}  // namespace

bool JobLifecycle::finish(JobId id, const JobEnding& ending) {
    const bool history_kept = table_.history_limit() != 0;
    std::optional<JobSlot> ended;
    table_.update(id, [&](JobSlot& slot) {
        if (is_finished(slot)) return false;
        JobState state = ending.state;
        std::string reason = ending.reason;
        if (ending.stopped_if_asked && state == JobState::completed && slot.stop_requested) {
            state = JobState::stopped;
            reason = join_reasons("stopped", reason);
        }
        set_outcome(slot, state, reason, history_kept);
        slot.has_exit_code = ending.exit_code.has_value();
        slot.exit_code = ending.exit_code.value_or(0);
        slot.term_signal = ending.term_signal;
        if (ending.resources) record_resources(slot, *ending.resources);
        ended = slot;
        return true;
    });
    record_ending(ended);
    return ended.has_value();
}

bool JobLifecycle::mark_lost(JobId id, const ProcessIdentity& owner, std::string_view reason) {
    const bool history_kept = table_.history_limit() != 0;
    std::optional<JobSlot> ended;
    table_.update(id, [&](JobSlot& slot) {
        // Only if nothing changed since the owner was judged: it may have
        // finished the job, or a new owner may have claimed it, in between.
        if (is_finished(slot) || !owned_by(slot, owner)) return false;
        set_outcome(slot, JobState::failed, reason, history_kept);
        ended = slot;
        return true;
    });
    record_ending(ended);
    return ended.has_value();
}

void JobLifecycle::record_ending(const std::optional<JobSlot>& ended) {
    if (!ended || (ended->history_line != kHistoryLinePending && ended->finish_hook == 0)) return;
    JobInfo job = table_.info_of(*ended);
    if (ended->finish_hook != 0) start_finish_hook(table_, job);
    if (ended->history_line == kHistoryLinePending) record_history(job);
}

void JobLifecycle::record_history(const JobInfo& ended) {
    table_.append_history(ended);  // written or not (a full disk), nobody is to wait for it any longer
    table_.update(ended.id, [](JobSlot& slot) {
        if (slot.history_line != kHistoryLinePending) return false;
        slot.history_line = kHistoryLineWritten;
        return true;
    });
}

bool JobLifecycle::append_reason(JobId id, std::string_view reason, std::string_view more) {
    bool changed = false;
    table_.update(id, [&](JobSlot& slot) {
        if (read_field(slot.reason) != reason) return false;
        copy_truncated(slot.reason, join_reasons(std::string(reason), more));
        changed = true;
        return true;
    });
    return changed;
}

}  // namespace jobctl::detail
