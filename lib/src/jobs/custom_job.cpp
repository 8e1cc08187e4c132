#include "jobctl/custom_job.hpp"

#include <algorithm>
#include <array>

#include "jobctl/error.hpp"
#include "jobs/custom_job_access.hpp"
#include "output/output_log.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/slot_limits.hpp"

namespace jobctl {
namespace {

constexpr std::array<std::string_view, 4> kBuiltInTypes{"process", "thread", "scheduled", "custom"};

void check_type_name(const std::string& type) {
    bool well_formed =
        !type.empty() && type.size() < detail::kTypeNameSize && std::ranges::all_of(type, [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
        });
    if (!well_formed)
        throw Error(ErrorCode::invalid_argument, "bad job type '" + type + "': use 1 to " +
                                                     std::to_string(detail::kTypeNameSize - 1) +
                                                     " of a-z, 0-9, '-' and '_'");
    if (std::ranges::find(kBuiltInTypes, type) != kBuiltInTypes.end())
        throw Error(ErrorCode::invalid_argument, "job type '" + type + "' is a built-in type's name");
}

detail::NewJob new_job(const CustomJobSpec& spec, const ProcessIdentity& self) {
    check_type_name(spec.type);
    detail::NewJob job{spec.name, JobType::custom, spec.command, 0, self.pid, self.start_time, true};
    job.can_suspend = spec.can_suspend;
    job.type_name = spec.type;
    job.location = spec.location;
    job.external_id = spec.external_id;
    job.labels = spec.labels;
    return job;
}

bool is_outcome(JobState state) {
    return is_terminal(state);
}

}  // namespace

CustomJob::CustomJob(Repository& repository, JobId id) : repository_(&repository), id_(id) {}

CustomJob::CustomJob(CustomJob&& other) noexcept
    : repository_(other.repository_), id_(other.id_), owned_(other.owned_), suspended_(other.suspended_) {
    other.owned_ = false;
}

CustomJob::~CustomJob() {
    if (!owned_) return;
    try {
        finish(JobState::failed, "its runner gave it up");
    } catch (...) {
        // The owner's end will be noticed ("host lost") if this failed.
    }
}

CustomJob CustomJob::add(Repository& repository, const CustomJobSpec& spec) {
    return CustomJob(repository, detail::table_of(repository).add(new_job(spec, ProcessIdentity::self())).id);
}

std::vector<CustomJob> CustomJob::add_family(Repository& repository, const CustomJobSpec& parent,
                                             const std::vector<CustomJobSpec>& children) {
    ProcessIdentity self = ProcessIdentity::self();
    std::vector<detail::NewJob> new_children;
    for (const CustomJobSpec& child : children) new_children.push_back(new_job(child, self));
    JobInfo added = detail::table_of(repository).add_family(new_job(parent, self), new_children);
    std::vector<CustomJob> family;
    family.reserve(children.size() + 1);
    for (JobId id = added.id; id <= added.id + children.size(); ++id)
        family.push_back(CustomJob(repository, id));
    return family;
}

JobInfo CustomJob::info() const {
    auto job = repository_->find(id_);
    if (!job) throw Error(ErrorCode::job_not_found, "job " + std::to_string(id_) + " was removed");
    return *job;
}

void CustomJob::set_state(JobState state, std::string_view reason) {
    if (is_outcome(state) || state == JobState::stopping || state == JobState::suspending)
        throw Error(ErrorCode::invalid_argument, "set_state takes NotStarted, Blocked, Running or Suspended");
    detail::lifecycle_of(*repository_).set_runner_state(id_, state, reason);
    suspended_ = state == JobState::suspended;
}

void CustomJob::set_location(std::string_view location) {
    detail::lifecycle_of(*repository_).set_location(id_, location);
}

void CustomJob::set_external_id(std::string_view external_id) {
    detail::lifecycle_of(*repository_).set_external_id(id_, external_id);
}

void CustomJob::write(OutputStream stream, std::string_view bytes) {
    // One writer per job: its runner. A writer opened per call appends at
    // the log's end, so a runner that took over from a dead one goes on.
    OutputLogWriter log(detail::table_of(*repository_).job_directory(id_));
    while (!bytes.empty()) {
        std::size_t length = std::min<std::size_t>(bytes.size(), kMaxRecordLength);
        std::uint64_t size = log.append(stream, bytes.substr(0, length));
        bytes.remove_prefix(length);
        detail::lifecycle_of(*repository_).publish_output(id_, size);
    }
}

void CustomJob::progress(double fraction, std::string_view text) {
    if (!(fraction >= 0 && fraction <= 1))
        throw Error(ErrorCode::invalid_argument, "progress must be a fraction from 0 to 1");
    detail::lifecycle_of(*repository_).publish_progress(id_, fraction, text);
}

void CustomJob::finish(JobState outcome, std::string_view reason, std::optional<int> exit_code,
                       std::optional<int> term_signal) {
    if (!is_outcome(outcome))
        throw Error(ErrorCode::invalid_argument, "an outcome is Completed, Failed or Stopped");
    detail::lifecycle_of(*repository_)
        .finish(id_, {outcome, std::string(reason), exit_code, term_signal.value_or(0)});
    owned_ = false;
}

ControlRequest CustomJob::pending_request() const {
    auto job = repository_->find(id_);
    if (!job || job->finished()) return ControlRequest::none;
    if (job->stop_requested) return ControlRequest::stop;
    if (job->suspend_requested && !suspended_) return ControlRequest::suspend;
    if (!job->suspend_requested && suspended_) return ControlRequest::resume;
    return ControlRequest::none;
}

ControlRequest CustomJob::wait_for_request(std::chrono::milliseconds timeout) const {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    detail::JobTable& table = detail::table_of(*repository_);
    for (;;) {
        std::uint32_t seen = table.change_count(detail::JobTable::Changes::of_state);
        ControlRequest request = pending_request();
        auto left = deadline - std::chrono::steady_clock::now();
        if (request != ControlRequest::none || left <= std::chrono::nanoseconds::zero()) return request;
        table.wait_for_change(seen, left, detail::JobTable::Changes::of_state);
    }
}

void CustomJob::refuse_suspend(std::string_view why) {
    detail::lifecycle_of(*repository_).refuse_suspend(id_, why);
    suspended_ = false;
}

CustomJob detail::CustomJobAccess::adopt(Repository& repository, JobId id) {
    CustomJob job(repository, id);
    // Not owned: a runner that took a job over and fails leaves it to the
    // next one, never ends it "gave it up".
    job.owned_ = false;
    auto info = repository.find(id);
    job.suspended_ = info && info->state == JobState::suspended;
    return job;
}

}  // namespace jobctl
