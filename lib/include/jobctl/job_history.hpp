#pragma once
// The history: when a job ends, one line about it is appended to a file in
// the repository's folder (JSON Lines), so that what ran, how long and how
// it ended can be looked up after the job was removed or evicted
// (`jobctl history`). The process that ends the job appends its line (its
// worker, its host, its runner, or whoever marks it lost). The file is
// rotated at a size the repository sets: the full one becomes FILE.1 (the
// one before that goes), so at most about twice that size is kept.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

// One ended job, as it was when it ended. `job` holds what a finished job
// has: id, parent_id, name, type and type_name, state, reason, command,
// cwd, location, external_id, queue, created, began, ended, exit_code,
// term_signal, resources and output_bytes; its other fields are defaults.
struct HistoryEntry {
    JobInfo job;
    unsigned attempts = 1;  // how many times its command ran
};

// What a read of the history found.
struct HistoryReading {
    std::size_t entries = 0;
    // Lines skipped: cut short by a crash or a full disk as they were
    // written, or not written by jobctl.
    std::size_t damaged_lines = 0;
    // One line each, for the user: damaged lines skipped (per file), and a
    // file skipped whole because it is no file of this user's (a symbolic
    // link, a FIFO, another user's, open to others' writes).
    std::vector<std::string> warnings;
};

inline constexpr std::uint64_t kDefaultHistoryLimit = 16 * 1024 * 1024;
inline constexpr std::uint64_t kMinHistoryLimit = 64 * 1024;  // a few long lines

// The history file: history.jsonl in a repository's folder in the home;
// in the output folder of a table given by path (TABLE.output/).
std::filesystem::path history_file(const Repository& repository);

// Hands every entry to `visit`, oldest first (the rotated file, then the
// current one). No history yet is an empty one. A job that has just ended
// is in it: the line is appended just after the job is marked ended, and
// this waits for the lines still being appended (2 s at most).
// Errors: system (a file that is there but cannot be read).
HistoryReading read_history(const Repository& repository,
                            const std::function<void(const HistoryEntry&)>& visit);

// The same for repository `name` (as Repository::open takes it), read
// without opening its table: for a table that cannot be used (damaged, on
// a read-only disk), or a repository that does not exist (nothing is made:
// an empty history). It cannot wait for lines still being written.
// Errors: invalid_argument (a bad name); system.
HistoryReading read_history(const std::string& name, const std::function<void(const HistoryEntry&)>& visit);

// The entry as the history file holds it: one JSON object on one line
// (without the newline), its fields named as in `get --json`, plus
// "wall_ms" and "attempts". `jobctl history --json` prints these lines.
std::string history_line(const HistoryEntry& entry);

// The size at which the history file is rotated, in bytes; 0: no history
// is kept (jobs that end append nothing).
std::uint64_t history_limit(const Repository& repository);
// Errors: invalid_argument (a size below kMinHistoryLimit, other than 0).
void set_history_limit(const Repository& repository, std::uint64_t bytes);

}  // namespace jobctl
