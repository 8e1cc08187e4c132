#include "job_json.hpp"

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <sstream>

#include "jobctl/ssh_job.hpp"
#include "time_text.hpp"

namespace jobctl {

using cli::iso_time;

// Fields that do not apply yet (times, exit_code, signal) are left out.
template <class Archive>
void save(Archive& archive, const JobInfo& job) {
    archive(
        cereal::make_nvp("id", job.id), cereal::make_nvp("name", job.name),
        cereal::make_nvp("type", job.type_name), cereal::make_nvp("state", std::string(to_string(job.state))),
        cereal::make_nvp("reason", job.reason), cereal::make_nvp("command", job.command),
        cereal::make_nvp("location", job.location), cereal::make_nvp("has_more_data", job.has_more_data()),
        cereal::make_nvp("output_bytes", job.output_bytes),
        cereal::make_nvp("received_bytes", job.read_offset), cereal::make_nvp("parent_id", job.parent_id),
        cereal::make_nvp("owner_pid", job.owner_pid), cereal::make_nvp("process_id", job.process_id),
        cereal::make_nvp("stop_requested", job.stop_requested),
        cereal::make_nvp("suspend_requested", job.suspend_requested), cereal::make_nvp("cwd", job.cwd),
        cereal::make_nvp("queue", job.queue), cereal::make_nvp("in_line", job.in_line),
        cereal::make_nvp("after", job.after), cereal::make_nvp("after_any_outcome", job.after_any_outcome));
    if (std::string held_by(containment(job)); !held_by.empty())
        archive(cereal::make_nvp("containment", held_by));
    if (!job.external_id.empty()) archive(cereal::make_nvp("external_id", job.external_id));
    // A foreach run here (a family's thread-job parent): its -j now, 0 while paused.
    if (job.type == JobType::thread && job.parent_id == 0 && !job.registered_alone)
        archive(cereal::make_nvp("throttle_limit", job.throttle_limit));
    if (job.timeout)
        archive(cereal::make_nvp("timeout_ms", static_cast<std::uint64_t>(job.timeout->count())));
    if (job.attempts_allowed != 0) {
        archive(cereal::make_nvp("attempt", job.attempt));
        archive(cereal::make_nvp("attempts_allowed", job.attempts_allowed));
    }
    if (!job.queue.empty() || job.priority != 0) archive(cereal::make_nvp("priority", job.priority));
    if (!job.labels.empty()) {
        // {"KEY": "VALUE", ...}: an object, as the history's lines have it.
        archive.setNextName("labels");
        archive.startNode();
        for (const std::string& label : job.labels) {
            std::size_t equals = label.find('=');
            archive(cereal::make_nvp(label.substr(0, equals).c_str(), label.substr(equals + 1)));
        }
        archive.finishNode();
    }
    if (job.created) archive(cereal::make_nvp("created", iso_time(job.created)));
    if (job.began) archive(cereal::make_nvp("began", iso_time(job.began)));
    if (job.ended) archive(cereal::make_nvp("ended", iso_time(job.ended)));
    if (job.exit_code) archive(cereal::make_nvp("exit_code", *job.exit_code));
    if (job.term_signal) archive(cereal::make_nvp("signal", *job.term_signal));
    if (job.resources) archive(cereal::make_nvp("resources", *job.resources));
    if (job.progress) {
        archive(cereal::make_nvp("progress", job.progress->fraction));
        archive(cereal::make_nvp("progress_text", job.progress->text));
    }
}

namespace {

// How a job on another host (not a parent of several) runs there: "jobctl",
// a job of the remote user's repository ("remote_job": its id there), the
// durable mode; "wrapper", jobctl's small sh wrapper (a lost connection
// ends the job); "unknown" until its run has heard from the host
// (docs/decisions/0073, 0074).
void save_remote_side(cereal::JSONOutputArchive& archive, const Repository& repository, const JobInfo& job) {
    bool family_parent = job.type == JobType::thread && job.parent_id == 0 && !job.registered_alone;
    if (job.type_name != "ssh" || family_parent) return;
    std::optional<RemoteSide> side = remote_side(repository, job.id);
    archive(cereal::make_nvp("remote_mode", side ? side->mode : std::string("unknown")));
    if (side && side->job != 0) archive(cereal::make_nvp("remote_job", side->job));
}

}  // namespace

void cli::JobJsonWriter::add(const JobInfo& job) {
    std::ostringstream text;
    {
        // The job's fields straight into the archive's root object: {"id": ..., ...}.
        cereal::JSONOutputArchive archive(text,
                                          cereal::JSONOutputArchive::Options(
                                              324, cereal::JSONOutputArchive::Options::IndentChar::space, 2));
        save(archive, job);
        if (repository_ != nullptr) save_remote_side(archive, *repository_, job);
        if (repository_ != nullptr && job.has_finish_hook)
            if (std::optional<FinishHook> hook = finish_hook_of(*repository_, job))
                archive(cereal::make_nvp("on_finish", *hook));
    }
    std::string object = text.str();
    std::string indented;
    indented.reserve(object.size() + object.size() / 8);
    for (char c : object) {
        indented += c;
        if (c == '\n') indented += "    ";  // as an element of "jobs"
    }
    out_ << (added_++ == 0 ? "{\n  \"jobs\": [\n    " : ",\n    ") << indented;
}

void cli::JobJsonWriter::finish() {
    out_ << (added_ == 0 ? "{\n  \"jobs\": []\n}\n" : "\n  ]\n}\n");
    out_.flush();
}

void cli::print_job_json(std::ostream& out, const std::vector<JobInfo>& jobs, const Repository* repository) {
    JobJsonWriter writer(out, repository);
    for (const JobInfo& job : jobs) writer.add(job);
    writer.finish();
}

}  // namespace jobctl
