#pragma once
// Schedule definitions on disk: one JSON file per schedule in the
// repository's folder, <home>/<repository>/schedules/<name>.json (folders
// 0700, files 0600), written whole to a temporary file and renamed over the
// old one. And the lock (<home>/.schedule-lock, flock) that every change of
// definitions and of the crontab is made under, so that two jobctl never
// lose each other's.

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/process_job.hpp"

namespace jobctl::cli {

struct ScheduleDefinition {
    std::string name;
    std::string repository;
    std::string trigger_kind;  // "cron", "every" or "at"
    std::string trigger_text;  // as the user gave it: "0 3 * * *", "15m", "2026-12-24T18:00"
    std::string cron;          // the five fields the crontab line carries
    std::vector<std::string> argv;
    std::string cwd;               // absolute
    std::string stdin_file;        // absolute; empty: /dev/null
    std::vector<std::string> env;  // NAME=VALUE: the whole environment a run starts from
    std::optional<std::chrono::milliseconds> timeout;
    // The limits of each run's cgroup (RunOptions); none in a definition of before them.
    std::optional<std::uint64_t> memory_limit_bytes;
    std::optional<double> cpu_limit;
    std::optional<std::uint32_t> process_limit;
    std::optional<std::uint64_t> max_output;  // RunOptions::max_output; none in a definition of before it
    std::string on_finish;                    // ProcessJobSpec::on_finish of each run
    std::vector<std::string> labels;          // of each run
    int priority = 0;                         // of each run in its queue
    RetryPolicy retry;                        // of each run
    std::string queue;
    std::uint32_t max_results = 32;
    bool no_overlap = false;
    bool enabled = true;
    std::uint64_t evicted = 0;            // runs removed to keep max_results
    std::optional<Clock::time_point> at;  // an --at schedule's time
};

// Errors: invalid_argument unless `name` is a usable schedule name (letters,
// digits, '.', '_', '-', not first '.' or '-'; at most 63 bytes; a usable
// job name, so not all digits).
void check_schedule_name(const std::string& name);

// <home>/<repository>/schedules/ (the repository's folder is made if
// missing). Errors: invalid_argument (a repository
// given by path: schedules belong to repositories in the home).
std::filesystem::path schedules_directory(const std::string& repository);

// Holds <home>/.schedule-lock (flock, exclusive) while alive. Errors:
// as schedules_directory(repository), system.
class ScheduleLock {
public:
    explicit ScheduleLock(const std::string& repository);
    ~ScheduleLock();
    ScheduleLock(const ScheduleLock&) = delete;
    ScheduleLock& operator=(const ScheduleLock&) = delete;

private:
    int fd_ = -1;
};

std::optional<ScheduleDefinition> load_schedule(const std::string& repository, const std::string& name);
// Errors: job_not_found ("no schedule 'NAME'").
ScheduleDefinition require_schedule(const std::string& repository, const std::string& name);
std::vector<ScheduleDefinition> load_schedules(const std::string& repository);  // by name
void save_schedule(const ScheduleDefinition& definition);
void delete_schedule(const std::string& repository, const std::string& name);

}  // namespace jobctl::cli
