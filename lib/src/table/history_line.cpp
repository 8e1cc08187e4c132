#include "table/history_line.hpp"

// cereal's JSON archive first: it configures rapidjson (its assertions
// throw), and every file that uses rapidjson must see it configured alike.
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <cereal/archives/json.hpp>
#include <utility>

#include "text/display_text.hpp"
#include "text/iso_time.hpp"

namespace jobctl::detail {

namespace {

using Writer = rapidjson::Writer<rapidjson::StringBuffer>;

void write_text(Writer& out, const char* key, std::string_view value) {
    out.Key(key);
    out.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
}

void write_time(Writer& out, const char* key, const std::optional<Clock::time_point>& time) {
    if (time) write_text(out, key, format_iso_time(*time));
}

void write_resources(Writer& out, const ResourceUse& use) {
    out.Key("resources");
    out.StartObject();
    out.Key("user_cpu_us");
    out.Int64(use.user_cpu.count());
    out.Key("system_cpu_us");
    out.Int64(use.system_cpu.count());
    out.Key("peak_rss_bytes");
    out.Uint64(use.peak_rss_bytes);
    write_text(out, "measured_by", use.counted_by_cgroup ? "cgroup" : "rusage");
    out.EndObject();
}

using Object = rapidjson::Value::ConstObject;

// A file anyone could have edited may hold any bytes: readers get UTF-8.
std::optional<std::string> text_field(const Object& object, const char* key) {
    auto found = object.FindMember(key);
    if (found == object.MemberEnd() || !found->value.IsString()) return std::nullopt;
    return to_valid_utf8(std::string_view(found->value.GetString(), found->value.GetStringLength()));
}

std::optional<std::uint64_t> count_field(const Object& object, const char* key) {
    auto found = object.FindMember(key);
    if (found == object.MemberEnd() || !found->value.IsUint64()) return std::nullopt;
    return found->value.GetUint64();
}

std::optional<int> int_field(const Object& object, const char* key) {
    auto found = object.FindMember(key);
    if (found == object.MemberEnd() || !found->value.IsInt()) return std::nullopt;
    return found->value.GetInt();
}

std::optional<Clock::time_point> time_field(const Object& object, const char* key) {
    std::optional<std::string> text = text_field(object, key);
    return text ? parse_iso_time(*text) : std::nullopt;
}

JobType type_named(std::string_view name) {
    for (JobType type : {JobType::process, JobType::thread, JobType::scheduled})
        if (to_string(type) == name) return type;
    return JobType::custom;
}

std::optional<ResourceUse> resources_field(const Object& object) {
    auto found = object.FindMember("resources");
    if (found == object.MemberEnd() || !found->value.IsObject()) return std::nullopt;
    Object fields = found->value.GetObject();
    ResourceUse use;
    use.user_cpu = std::chrono::microseconds(count_field(fields, "user_cpu_us").value_or(0));
    use.system_cpu = std::chrono::microseconds(count_field(fields, "system_cpu_us").value_or(0));
    use.peak_rss_bytes = count_field(fields, "peak_rss_bytes").value_or(0);
    use.counted_by_cgroup = text_field(fields, "measured_by") == "cgroup";
    return use;
}

std::vector<std::string> labels_field(const Object& object) {
    std::vector<std::string> labels;
    auto found = object.FindMember("labels");
    if (found == object.MemberEnd() || !found->value.IsObject()) return labels;
    for (const auto& member : found->value.GetObject())
        if (member.value.IsString())
            labels.push_back(
                to_valid_utf8(std::string(member.name.GetString(), member.name.GetStringLength())) + "=" +
                to_valid_utf8(std::string(member.value.GetString(), member.value.GetStringLength())));
    return labels;
}

}  // namespace

std::string format_history_line(const HistoryEntry& entry) {
    const JobInfo& job = entry.job;
    rapidjson::StringBuffer buffer;
    Writer out(buffer);
    out.StartObject();
    out.Key("id");
    out.Uint(job.id);
    out.Key("parent_id");
    out.Uint(job.parent_id);
    write_text(out, "name", job.name);
    write_text(out, "type", job.type_name);
    write_text(out, "state", to_string(job.state));
    write_text(out, "reason", job.reason);
    if (job.exit_code) {
        out.Key("exit_code");
        out.Int(*job.exit_code);
    }
    if (job.term_signal) {
        out.Key("signal");
        out.Int(*job.term_signal);
    }
    write_text(out, "command", job.command);
    write_text(out, "cwd", job.cwd);
    write_text(out, "location", job.location);
    if (!job.external_id.empty()) write_text(out, "external_id", job.external_id);
    if (!job.queue.empty()) write_text(out, "queue", job.queue);
    if (!job.labels.empty()) {
        out.Key("labels");
        out.StartObject();
        for (const std::string& label : job.labels) {
            std::size_t equals = label.find('=');
            write_text(out, label.substr(0, equals).c_str(), label.substr(equals + 1));
        }
        out.EndObject();
    }
    write_time(out, "created", job.created);
    write_time(out, "began", job.began);
    write_time(out, "ended", job.ended);
    if (job.began && job.ended) {
        out.Key("wall_ms");
        out.Int64(std::chrono::duration_cast<std::chrono::milliseconds>(*job.ended - *job.began).count());
    }
    if (job.resources) write_resources(out, *job.resources);
    out.Key("output_bytes");
    out.Uint64(job.output_bytes);
    out.Key("attempts");
    out.Uint(entry.attempts);
    out.EndObject();
    return std::string(buffer.GetString(), buffer.GetSize());
}

std::optional<HistoryEntry> parse_history_line(std::string_view line) {
    rapidjson::Document document;
    document.Parse(line.data(), line.size());  // anything after the object makes it damaged
    if (document.HasParseError() || !document.IsObject()) return std::nullopt;
    Object object = std::as_const(document).GetObject();
    std::optional<std::uint64_t> id = count_field(object, "id");
    std::optional<std::string> name = text_field(object, "name");
    std::optional<std::string> type = text_field(object, "type");
    std::optional<std::string> state = text_field(object, "state");
    std::optional<JobState> parsed_state = state ? parse_job_state(*state) : std::nullopt;
    std::optional<Clock::time_point> ended = time_field(object, "ended");
    if (!id || *id == 0 || *id > UINT32_MAX || !name || !type || !parsed_state || !ended) return std::nullopt;
    HistoryEntry entry;
    JobInfo& job = entry.job;
    job.id = static_cast<JobId>(*id);
    job.parent_id = static_cast<JobId>(count_field(object, "parent_id").value_or(0));
    job.name = *name;
    job.type_name = *type;
    job.type = type_named(*type);
    job.state = *parsed_state;
    job.reason = text_field(object, "reason").value_or("");
    job.exit_code = int_field(object, "exit_code");
    job.term_signal = int_field(object, "signal");
    job.command = text_field(object, "command").value_or("");
    job.cwd = text_field(object, "cwd").value_or("");
    job.location = text_field(object, "location").value_or("");
    job.external_id = text_field(object, "external_id").value_or("");
    job.queue = text_field(object, "queue").value_or("");
    job.labels = labels_field(object);
    job.created = time_field(object, "created");
    job.began = time_field(object, "began");
    job.ended = ended;
    job.resources = resources_field(object);
    job.output_bytes = count_field(object, "output_bytes").value_or(0);
    job.read_offset = job.output_bytes;  // nothing of it is left to receive
    entry.attempts =
        static_cast<unsigned>(std::max<std::uint64_t>(1, count_field(object, "attempts").value_or(1)));
    return entry;
}

}  // namespace jobctl::detail
