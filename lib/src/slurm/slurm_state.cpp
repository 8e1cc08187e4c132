#include "slurm/slurm_state.hpp"

#include <array>
#include <string_view>

namespace jobctl::detail {
namespace {

struct StateRule {
    std::string_view slurm_state;
    JobState state;
    bool terminal;
    std::string_view what;  // after "slurm: STATE, " for an end; empty: from the exit code
};

constexpr std::array kRules{
    StateRule{"PENDING", JobState::blocked, false, {}},
    StateRule{"CONFIGURING", JobState::blocked, false, {}},
    StateRule{"POWER_UP_NODE", JobState::blocked, false, {}},
    StateRule{"REQUEUED", JobState::blocked, false, {}},
    StateRule{"REQUEUE_FED", JobState::blocked, false, {}},
    StateRule{"REQUEUE_HOLD", JobState::blocked, false, {}},
    StateRule{"SPECIAL_EXIT", JobState::blocked, false, {}},
    StateRule{"RESV_DEL_HOLD", JobState::blocked, false, {}},
    StateRule{"RUNNING", JobState::running, false, {}},
    StateRule{"COMPLETING", JobState::running, false, {}},
    StateRule{"SIGNALING", JobState::running, false, {}},
    StateRule{"STAGE_OUT", JobState::running, false, {}},
    StateRule{"RESIZING", JobState::running, false, {}},
    StateRule{"SUSPENDED", JobState::suspended, false, {}},
    StateRule{"STOPPED", JobState::suspended, false, {}},
    StateRule{"COMPLETED", JobState::completed, true, {}},
    StateRule{"CANCELLED", JobState::stopped, true, {}},
    StateRule{"FAILED", JobState::failed, true, {}},
    StateRule{"TIMEOUT", JobState::failed, true, "over its time limit"},
    StateRule{"OUT_OF_MEMORY", JobState::failed, true, "over its memory limit"},
    StateRule{"NODE_FAIL", JobState::failed, true, "its node failed"},
    StateRule{"BOOT_FAIL", JobState::failed, true, "its node failed to boot"},
    StateRule{"DEADLINE", JobState::failed, true, "not done by its deadline"},
    StateRule{"PREEMPTED", JobState::failed, true, "preempted by another job"},
    StateRule{"REVOKED", JobState::failed, true, "the federation runs it on another cluster"},
};

// An unknown state keeps the job waiting: polling on costs little, a
// wrong end cannot be taken back.
constexpr StateRule kUnknownState{{}, JobState::blocked, false, {}};

const StateRule& rule_for(std::string_view slurm_state) {
    for (const StateRule& rule : kRules)
        if (rule.slurm_state == slurm_state) return rule;
    return kUnknownState;
}

bool says_something(const std::string& reason) {
    return !reason.empty() && reason != "None";
}

// While it waits or runs: "slurm: PENDING (Priority)", "slurm: RUNNING on vm".
std::string progress_reason(const SlurmJobRecord& record, JobState state) {
    std::string reason = "slurm: " + record.state;
    if (says_something(record.reason)) reason += " (" + record.reason + ")";
    if (state == JobState::running && !record.node_list.empty()) reason += " on " + record.node_list;
    return reason;
}

std::string outcome_text(const SlurmJobRecord& record) {
    if (record.exit_signal != 0) return "killed by signal " + std::to_string(record.exit_signal);
    if (record.exit_code != 0) return "exited with code " + std::to_string(record.exit_code);
    return {};
}

// At its end: "slurm: FAILED, exited with code 3", "slurm: TIMEOUT, over its
// time limit", "slurm: FAILED (JobLaunchFailure)" when there is no code.
std::string end_reason(const SlurmJobRecord& record, const StateRule& rule) {
    std::string reason = "slurm: " + record.state;
    std::string what = rule.what.empty() ? outcome_text(record) : std::string(rule.what);
    if (!what.empty()) return reason + ", " + what;
    if (says_something(record.reason)) reason += " (" + record.reason + ")";
    return reason;
}

}  // namespace

SlurmStatus map_slurm_state(const SlurmJobRecord& record) {
    const StateRule& rule = rule_for(record.state);
    SlurmStatus status;
    status.state = rule.state;
    status.terminal = rule.terminal;
    if (!rule.terminal) {
        status.reason = progress_reason(record, rule.state);
        return status;
    }
    if (record.exit_signal != 0)
        status.term_signal = record.exit_signal;
    else if (record.exit_code != 0 || rule.state == JobState::completed)
        status.exit_code = record.exit_code;
    if (rule.state == JobState::stopped)
        status.reason = "slurm: " + record.state;
    else if (rule.state != JobState::completed)
        status.reason = end_reason(record, rule);
    return status;
}

}  // namespace jobctl::detail
