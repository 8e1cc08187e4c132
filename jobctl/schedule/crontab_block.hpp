#pragma once
// jobctl's lines in the user's crontab, edited through the real crontab(1):
// one marked block
//   # BEGIN jobctl (managed by jobctl schedule; do not edit)
//   */15 * * * * JOBCTL_HOME='/home/ann/.local/state/jobctl' JOBCTL_REPOSITORY='default' '/usr/bin/jobctl'
//   schedule run --triggered 'health' # END jobctl
// appended after whatever else the crontab holds, which is never changed.
// A line belongs to a schedule by its home, repository and name; the block
// holds the lines of every jobctl home of the user.

#include <optional>
#include <string>

namespace jobctl::cli {

inline constexpr const char* kCrontabBegin = "# BEGIN jobctl (managed by jobctl schedule; do not edit)";
inline constexpr const char* kCrontabEnd = "# END jobctl";

// Which schedule a crontab line runs.
struct CrontabKey {
    std::string home;  // absolute
    std::string repository;
    std::string name;
};

// The key of the schedule this process acts on: the current jobctl home.
CrontabKey crontab_key(const std::string& repository, const std::string& name);

// The whole line for `key`: the five cron fields, then the command that
// runs it with this jobctl (its absolute path) and nothing from the caller's
// environment. Errors: invalid_argument (a '%' or newline in a path: cron
// would cut the command there).
std::string crontab_line(const CrontabKey& key, const std::string& cron);

// Replaces the line of `key` in the block with `line`, or removes it
// (nullopt). Take the ScheduleLock first. The crontab is read, changed and
// read again just before it is written: if it changed meanwhile (another
// editor), the change is made again on what it is now, a few times, then
// refused. Errors: program_not_found (no crontab command: the package cron
// is missing), system (crontab failed, saying why), timeout (crontab gave
// no answer within run_program's deadline).
void set_crontab_line(const CrontabKey& key, const std::optional<std::string>& line);

// The user's crontab as `crontab -l` shows it ("" when there is none).
std::string read_crontab();

}  // namespace jobctl::cli
