#include "slurm/squeue_query.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <charconv>

#include "jobctl/error.hpp"
#include "slurm/slurm_command.hpp"
#include "slurm/slurm_job_id.hpp"

namespace jobctl::detail {
namespace {

constexpr std::size_t kFields = 5;  // as kSqueueFields

// Splits "a|b|c|" into its fields; fewer than kFields: not a record.
std::vector<std::string_view> fields_of(std::string_view line) {
    std::vector<std::string_view> fields;
    while (fields.size() < kFields) {
        std::size_t bar = line.find('|');
        if (bar == std::string_view::npos) break;
        fields.push_back(line.substr(0, bar));
        line.remove_prefix(bar + 1);
    }
    return fields;
}

void set_exit_status(std::string_view text, SlurmJobRecord& record) {
    int status = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), status);
    if (error != std::errc() || end != text.data() + text.size() || status < 0) return;
    if (WIFSIGNALED(status))
        record.exit_signal = WTERMSIG(status);
    else
        record.exit_code = WEXITSTATUS(status);
}

SlurmJobRecord squeue_record(const std::vector<std::string_view>& fields) {
    SlurmJobRecord record;
    record.job_id = std::string(fields[0]);  // "12", or "12_3" with --array
    if (std::size_t underscore = fields[0].find('_'); underscore != std::string_view::npos) {
        std::uint32_t array_id = 0;
        std::string_view head = fields[0].substr(0, underscore);
        auto [end, error] = std::from_chars(head.data(), head.data() + head.size(), array_id);
        if (error == std::errc() && end == head.data() + head.size()) {
            record.array_job_id = array_id;
            record.array_tasks = expand_array_tasks(fields[0].substr(underscore + 1));
        }
    }
    record.state = std::string(fields[1]);
    record.reason = std::string(fields[2]);
    set_exit_status(fields[3], record);
    record.node_list = std::string(fields[4]);
    return record;
}

std::string joined(const std::vector<std::string>& ids) {
    std::string list;
    for (const std::string& id : ids) {
        check_slurm_job_id(id);
        if (!list.empty()) list += ',';
        list += id;
    }
    return list;
}

}  // namespace

std::vector<SlurmJobRecord> parse_squeue_jobs(std::string_view text) {
    std::vector<SlurmJobRecord> records;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::vector<std::string_view> fields = fields_of(text.substr(0, end));
        if (fields.size() == kFields && !fields[0].empty()) records.push_back(squeue_record(fields));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return records;
}

std::vector<SlurmJobRecord> query_jobs(const std::vector<std::string>& ids) {
    if (ids.empty()) return {};
    ProgramResult result = run_slurm_command({"squeue", "--noheader", "--array", "--states=all",
                                              "--user=" + std::to_string(::getuid()), "--jobs=" + joined(ids),
                                              "--Format=" + std::string(kSqueueFields)});
    if (!result.succeeded()) {
        // One id asks for that job alone, and Slurm refuses one it does not know.
        std::string message = slurm_message(result);
        if (message.find("Invalid job id specified") != std::string::npos) return {};
        throw Error(ErrorCode::cluster, "squeue: " + message);
    }
    return parse_squeue_jobs(result.out);
}

}  // namespace jobctl::detail
