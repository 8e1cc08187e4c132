#include "jobctl/job.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "table/reason_text.hpp"

namespace jobctl {
namespace {

constexpr std::array kStateNames{
    std::pair{JobState::not_started, std::string_view{"NotStarted"}},
    std::pair{JobState::running, std::string_view{"Running"}},
    std::pair{JobState::stopping, std::string_view{"Stopping"}},
    std::pair{JobState::stopped, std::string_view{"Stopped"}},
    std::pair{JobState::completed, std::string_view{"Completed"}},
    std::pair{JobState::failed, std::string_view{"Failed"}},
    std::pair{JobState::blocked, std::string_view{"Blocked"}},
    std::pair{JobState::suspending, std::string_view{"Suspending"}},
    std::pair{JobState::suspended, std::string_view{"Suspended"}},
};

bool equal_ignoring_case(std::string_view a, std::string_view b) {
    return std::ranges::equal(
        a, b, [](unsigned char x, unsigned char y) { return std::tolower(x) == std::tolower(y); });
}

}  // namespace

std::string_view to_string(JobState state) {
    for (auto [value, name] : kStateNames)
        if (value == state) return name;
    return "Unknown";
}

std::string_view to_string(JobType type) {
    switch (type) {
        case JobType::process:
            return "process";
        case JobType::thread:
            return "thread";
        case JobType::scheduled:
            return "scheduled";
        case JobType::custom:
            return "custom";
    }
    return "unknown";
}

std::optional<JobState> parse_job_state(std::string_view text) {
    for (auto [value, name] : kStateNames)
        if (equal_ignoring_case(name, text)) return value;
    return std::nullopt;
}

bool is_terminal(JobState state) {
    return state == JobState::stopped || state == JobState::completed || state == JobState::failed;
}

std::string_view containment(const JobInfo& job) {
    // Foreach children are the only thread jobs that run a command (and the
    // only ones with a parent that can be suspended).
    bool foreach_child = job.type == JobType::thread && job.parent_id != 0 && job.can_suspend;
    if (runs_in_worker(job.type) || foreach_child) {
        if (!job.began) return "";  // not started yet: which one holds it is chosen at the start
        return job.in_cgroup ? "cgroup" : "session";
    }
    if (job.type == JobType::custom && job.type_name == "slurm") return "slurm";
    return "";
}

std::string_view output_truncation(const JobInfo& job) {
    std::string_view reason = job.reason;
    auto start = reason.rfind(detail::kOutputTruncated);
    return start == std::string_view::npos ? std::string_view() : reason.substr(start);
}

Error job_not_found(JobId id) {
    return Error(ErrorCode::job_not_found, "no job with id " + std::to_string(id));
}

Error job_not_found(std::string_view name) {
    return Error(ErrorCode::job_not_found, "no job named '" + std::string(name) + "'");
}

}  // namespace jobctl
