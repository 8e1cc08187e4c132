#include "slurm/slurm_job_record.hpp"

#include <charconv>

#include "jobctl/error.hpp"
#include "slurm/scontrol_line.hpp"
#include "slurm/slurm_command.hpp"
#include "slurm/slurm_job_id.hpp"

namespace jobctl::detail {
namespace {

// Slurm's own ceiling on an array's size (MaxArraySize): more is not a task list.
constexpr std::size_t kMostArrayTasks = 4'000'001;

std::optional<std::uint32_t> parse_number(std::string_view text) {
    std::uint32_t number = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return number;
}

std::uint32_t number_in_task_list(std::string_view number, std::string_view list) {
    auto parsed = parse_number(number);
    if (!parsed)
        throw Error(ErrorCode::cluster, "unexpected array task list from Slurm: " + std::string(list));
    return *parsed;
}

// One item of a task list: "7", "7-9" or "0-10:5".
void expand_range(std::string_view item, std::string_view list, std::vector<std::uint32_t>& tasks) {
    std::size_t dash = item.find('-');
    std::uint32_t first = number_in_task_list(item.substr(0, dash), list);
    if (dash == std::string_view::npos) {
        tasks.push_back(first);
        return;
    }
    std::string_view rest = item.substr(dash + 1);
    std::size_t colon = rest.find(':');
    std::uint32_t last = number_in_task_list(rest.substr(0, colon), list);
    std::uint32_t step =
        colon == std::string_view::npos ? 1 : number_in_task_list(rest.substr(colon + 1), list);
    if (step == 0 || last < first || (last - first) / step >= kMostArrayTasks - tasks.size())
        throw Error(ErrorCode::cluster, "unexpected array task list from Slurm: " + std::string(list));
    for (std::uint64_t task = first; task <= last; task += step)
        tasks.push_back(static_cast<std::uint32_t>(task));
}

// Values that never hold a space; a space would mean a key this parser
// does not know glued on (see scontrol_line.hpp).
std::string word_of(const ScontrolFields& fields, std::string_view key) {
    auto found = fields.find(key);
    if (found == fields.end()) return {};
    std::string_view value = found->second;
    return std::string(value.substr(0, value.find(' ')));
}

void parse_exit_code(std::string_view text, SlurmJobRecord& record) {
    std::size_t colon = text.find(':');
    record.exit_code = static_cast<int>(parse_number(text.substr(0, colon)).value_or(0));
    if (colon != std::string_view::npos)
        record.exit_signal = static_cast<int>(parse_number(text.substr(colon + 1)).value_or(0));
}

// "12", "12_3", or "12_[2-5%2]" for tasks pending together.
std::string display_job_id(const std::string& job_id, std::optional<std::uint32_t> array_job_id,
                           std::string_view task_text) {
    if (!array_job_id || task_text.empty()) return job_id;
    std::string prefix = std::to_string(*array_job_id) + "_";
    if (parse_number(task_text)) return prefix + std::string(task_text);
    if (task_text.starts_with('[')) return prefix + std::string(task_text);
    return prefix + "[" + std::string(task_text) + "]";
}

SlurmJobRecord scontrol_record(const ScontrolFields& fields) {
    SlurmJobRecord record;
    std::string task_text = word_of(fields, "ArrayTaskId");
    record.array_job_id = parse_number(word_of(fields, "ArrayJobId"));
    if (record.array_job_id && !task_text.empty()) record.array_tasks = expand_array_tasks(task_text);
    record.job_id = display_job_id(word_of(fields, "JobId"), record.array_job_id, task_text);
    record.state = word_of(fields, "JobState");
    record.reason = word_of(fields, "Reason");
    parse_exit_code(word_of(fields, "ExitCode"), record);
    record.node_list = word_of(fields, "NodeList");
    record.start_time = word_of(fields, "StartTime");
    record.end_time = word_of(fields, "EndTime");
    return record;
}

std::vector<std::string_view> lines_of(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        lines.push_back(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return lines;
}

// "12", "12_3" or "12_[2-5%2]" in sacct's JobID column.
void parse_sacct_job_id(std::string_view id, SlurmJobRecord& record) {
    record.job_id = std::string(id);
    std::size_t underscore = id.find('_');
    if (underscore == std::string_view::npos) return;
    record.array_job_id = parse_number(id.substr(0, underscore));
    record.array_tasks = expand_array_tasks(id.substr(underscore + 1));
}

}  // namespace

std::vector<std::uint32_t> expand_array_tasks(std::string_view text) {
    std::string_view list = text;
    if (list.starts_with('[') && list.ends_with(']')) list = list.substr(1, list.size() - 2);
    list = list.substr(0, list.find('%'));  // "%2": at most 2 at once
    std::vector<std::uint32_t> tasks;
    for (;;) {
        std::size_t comma = list.find(',');
        expand_range(list.substr(0, comma), text, tasks);
        if (comma == std::string_view::npos) return tasks;
        list.remove_prefix(comma + 1);
    }
}

std::vector<SlurmJobRecord> parse_scontrol_jobs(std::string_view text) {
    std::vector<SlurmJobRecord> records;
    for (std::string_view line : lines_of(text)) {
        ScontrolFields fields = parse_scontrol_line(line);
        if (fields.contains("JobId")) records.push_back(scontrol_record(fields));
    }
    return records;
}

std::optional<std::vector<SlurmJobRecord>> query_job(const std::string& id) {
    check_slurm_job_id(id);
    ProgramResult result = run_slurm_command({"scontrol", "show", "job", "-o", id});
    if (!result.succeeded()) {
        std::string message = slurm_message(result);
        if (message.find("Invalid job id specified") != std::string::npos) return std::nullopt;
        throw Error(ErrorCode::cluster, "scontrol: " + message);
    }
    std::vector<SlurmJobRecord> records = parse_scontrol_jobs(result.out);
    if (records.empty())
        throw Error(ErrorCode::cluster, "scontrol: no job record in its answer about job " + id);
    return records;
}

std::vector<SlurmJobRecord> parse_sacct_jobs(std::string_view text) {
    std::vector<SlurmJobRecord> records;
    for (std::string_view line : lines_of(text)) {
        std::size_t first_bar = line.find('|');
        std::size_t second_bar = line.find('|', first_bar + 1);
        if (first_bar == std::string_view::npos || second_bar == std::string_view::npos) continue;
        SlurmJobRecord record;
        parse_sacct_job_id(line.substr(0, first_bar), record);
        std::string_view state = line.substr(first_bar + 1, second_bar - first_bar - 1);
        record.state = std::string(state.substr(0, state.find(' ')));  // "CANCELLED by 0"
        parse_exit_code(line.substr(second_bar + 1), record);
        records.push_back(std::move(record));
    }
    return records;
}

std::optional<std::vector<SlurmJobRecord>> query_accounting(const std::string& id, AccountingSource source) {
    check_slurm_job_id(id);
    std::vector<std::string> argv{"sacct", "-n", "-P", "-X", "-j", id, "-o", "JobID,State,ExitCode"};
    if (source == AccountingSource::completion_log) argv.insert(argv.begin() + 1, "-c");
    ProgramResult result = run_slurm_command(argv);
    if (!result.succeeded()) {
        std::string message = slurm_message(result);
        if (message.find("accounting storage is disabled") != std::string::npos) return std::nullopt;
        throw Error(ErrorCode::cluster, "sacct: " + message);
    }
    std::vector<SlurmJobRecord> records = parse_sacct_jobs(result.out);
    if (records.empty()) return std::nullopt;
    return records;
}

}  // namespace jobctl::detail
