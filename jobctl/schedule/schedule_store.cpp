#include "schedule/schedule_store.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <cereal/types/vector.hpp>
#include <cerrno>
#include <fstream>
#include <sstream>

#include "jobctl/error.hpp"
#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {
namespace {

template <class Archive>
void serialize_fields(Archive& archive, ScheduleDefinition& definition, std::int64_t& timeout_ms,
                      std::int64_t& at_seconds) {
    archive(cereal::make_nvp("name", definition.name), cereal::make_nvp("repository", definition.repository),
            cereal::make_nvp("trigger", definition.trigger_kind),
            cereal::make_nvp("trigger_text", definition.trigger_text),
            cereal::make_nvp("cron", definition.cron), cereal::make_nvp("argv", definition.argv),
            cereal::make_nvp("cwd", definition.cwd), cereal::make_nvp("stdin", definition.stdin_file),
            cereal::make_nvp("env", definition.env), cereal::make_nvp("timeout_ms", timeout_ms),
            cereal::make_nvp("queue", definition.queue),
            cereal::make_nvp("max_results", definition.max_results),
            cereal::make_nvp("no_overlap", definition.no_overlap),
            cereal::make_nvp("enabled", definition.enabled), cereal::make_nvp("evicted", definition.evicted),
            cereal::make_nvp("at", at_seconds));
}

// The limits, 0 for none: a separate step, as definitions saved before
// they existed lack them.
template <class Archive>
void serialize_limits(Archive& archive, std::uint64_t& memory, std::uint64_t& cpu_micros,
                      std::uint32_t& processes) {
    archive(cereal::make_nvp("memory_max", memory), cereal::make_nvp("cpu_micros_per_second", cpu_micros),
            cereal::make_nvp("max_procs", processes));
}

// The output cap (-1 for none set), the finish hook, the labels, the priority and the retries: a step of
// their own, as the limits.
template <class Archive>
void serialize_output_and_hook(Archive& archive, std::int64_t& max_output, ScheduleDefinition& definition) {
    std::int64_t delay_ms = definition.retry.delay.count(), max_delay_ms = definition.retry.max_delay.count();
    archive(cereal::make_nvp("max_output", max_output), cereal::make_nvp("on_finish", definition.on_finish),
            cereal::make_nvp("labels", definition.labels), cereal::make_nvp("priority", definition.priority),
            cereal::make_nvp("retries", definition.retry.retries),
            cereal::make_nvp("retry_delay_ms", delay_ms),
            cereal::make_nvp("retry_max_delay_ms", max_delay_ms),
            cereal::make_nvp("retry_on", definition.retry.on_exit_codes));
    definition.retry.delay = std::chrono::milliseconds(delay_ms);
    definition.retry.max_delay = std::chrono::milliseconds(max_delay_ms);
}

std::filesystem::path definition_file(const std::string& repository, const std::string& name) {
    return schedules_directory(repository) / (name + ".json");
}

ScheduleDefinition read_definition(const std::filesystem::path& file) {
    std::ifstream in(file);
    if (!in) throw_system_error("cannot read " + file.string(), errno);
    ScheduleDefinition definition;
    std::int64_t timeout_ms = 0, at_seconds = 0;
    try {
        cereal::JSONInputArchive archive(in);
        serialize_fields(archive, definition, timeout_ms, at_seconds);
        std::uint64_t memory = 0, cpu_micros = 0;
        std::uint32_t processes = 0;
        try {
            serialize_limits(archive, memory, cpu_micros, processes);
        } catch (const cereal::Exception&) {  // saved before limits: none
        }
        if (memory != 0) definition.memory_limit_bytes = memory;
        if (cpu_micros != 0) definition.cpu_limit = static_cast<double>(cpu_micros) / 1e6;
        if (processes != 0) definition.process_limit = processes;
        std::int64_t max_output = -1;
        try {
            serialize_output_and_hook(archive, max_output, definition);
        } catch (const cereal::Exception&) {  // saved before output caps and hooks: none
        }
        if (max_output >= 0) definition.max_output = static_cast<std::uint64_t>(max_output);
    } catch (const cereal::Exception& error) {
        throw Error(ErrorCode::system, "damaged schedule " + file.string() + ": " + error.what());
    }
    if (timeout_ms > 0) definition.timeout = std::chrono::milliseconds(timeout_ms);
    if (at_seconds != 0) definition.at = Clock::from_time_t(static_cast<std::time_t>(at_seconds));
    return definition;
}

}  // namespace

void check_schedule_name(const std::string& name) {
    bool usable = !name.empty() && name.size() <= 63 && name[0] != '.' && name[0] != '-' &&
                  std::ranges::all_of(name, [](char c) {
                      return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-';
                  });
    if (!usable)
        throw Error(ErrorCode::invalid_argument,
                    "bad schedule name '" + name +
                        "': use at most 63 letters, digits, '.', '_' and '-', not starting with '.' or '-'");
    check_job_name(name);  // its runs carry it: not all digits, for one
}

std::filesystem::path schedules_directory(const std::string& repository) {
    if (repository.find('/') != std::string::npos)
        throw Error(ErrorCode::invalid_argument,
                    "schedules belong to a repository in the jobctl home, not to a table given by path");
    return Repository::folder(repository) / "schedules";
}

ScheduleLock::ScheduleLock(const std::string& repository) {
    schedules_directory(repository);  // makes (and checks) the home
    std::filesystem::path file = Repository::home() / ".schedule-lock";
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd_ < 0) throw_system_error("cannot open " + file.string(), errno);
    while (::flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR) {
            int error = errno;
            ::close(fd_);
            throw_system_error("cannot lock " + file.string(), error);
        }
}

ScheduleLock::~ScheduleLock() {
    ::close(fd_);  // releases the lock
}

std::optional<ScheduleDefinition> load_schedule(const std::string& repository, const std::string& name) {
    std::filesystem::path file = definition_file(repository, name);
    if (!std::filesystem::exists(file)) return std::nullopt;
    return read_definition(file);
}

ScheduleDefinition require_schedule(const std::string& repository, const std::string& name) {
    check_schedule_name(name);
    auto definition = load_schedule(repository, name);
    if (!definition)
        throw Error(ErrorCode::job_not_found, "no schedule '" + name + "' in repository '" + repository +
                                                  "' (see 'jobctl schedule list')");
    return *definition;
}

std::vector<ScheduleDefinition> load_schedules(const std::string& repository) {
    std::vector<ScheduleDefinition> definitions;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(schedules_directory(repository), error))
        if (entry.path().extension() == ".json") definitions.push_back(read_definition(entry.path()));
    std::ranges::sort(definitions, {}, &ScheduleDefinition::name);
    return definitions;
}

void save_schedule(const ScheduleDefinition& definition) {
    std::filesystem::path directory = schedules_directory(definition.repository);
    // Inside the repository's own folder, which Repository::folder made
    // private: nobody else can have made it, or anything in it.
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
        throw_system_error("cannot make " + directory.string(), errno);
    std::ostringstream text;
    {
        ScheduleDefinition copy = definition;
        std::int64_t timeout_ms = definition.timeout ? definition.timeout->count() : 0;
        std::int64_t at_seconds = definition.at ? Clock::to_time_t(*definition.at) : 0;
        cereal::JSONOutputArchive archive(text);
        serialize_fields(archive, copy, timeout_ms, at_seconds);
        std::uint64_t memory = definition.memory_limit_bytes.value_or(0);
        std::uint64_t cpu_micros =
            definition.cpu_limit ? static_cast<std::uint64_t>(*definition.cpu_limit * 1e6 + 0.5) : 0;
        std::uint32_t processes = definition.process_limit.value_or(0);
        serialize_limits(archive, memory, cpu_micros, processes);
        std::int64_t max_output =
            definition.max_output ? static_cast<std::int64_t>(*definition.max_output) : -1;
        serialize_output_and_hook(archive, max_output, copy);
    }
    text << '\n';
    std::filesystem::path file = directory / (definition.name + ".json");
    std::filesystem::path temporary = directory / ("." + definition.name + ".json.tmp");
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw_system_error("cannot write " + temporary.string(), errno);
    std::string bytes = text.str();
    bool written =
        ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
    int error = errno;
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), file.c_str()) != 0) {
        if (written) error = errno;
        ::unlink(temporary.c_str());
        throw_system_error("cannot write " + file.string(), error);
    }
}

void delete_schedule(const std::string& repository, const std::string& name) {
    std::error_code ignored;
    std::filesystem::remove(definition_file(repository, name), ignored);
}

}  // namespace jobctl::cli
