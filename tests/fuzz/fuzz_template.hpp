#pragma once
// A small, valid repository with jobs of every kind (finished, failed,
// stopped, a foreach parent with children, one whose owner is gone), their
// output logs included: what the fuzz targets damage or run commands on.

#include <map>
#include <string>

#include "jobctl/job.hpp"

namespace jobctl::fuzz {

struct RepositorySnapshot {
    std::string table;                  // the table file's bytes
    std::map<JobId, std::string> logs;  // each job's output.log
};

// Builds the repository `name` in the fuzz home (capacity 8), copies it and
// deletes it. Call before enter_sandbox (it needs nothing the sandbox denies,
// but it is the one time the table is made by jobctl itself).
RepositorySnapshot build_template(const std::string& name);

// Puts the snapshot in place as repository `name`: its table (`table`
// instead when given) and its jobs' logs.
void restore(const RepositorySnapshot& snapshot, const std::string& name, const std::string* table = nullptr);

// JOBCTL_FUZZ_SEED_DIR: where a target writes its seed inputs (scripts/fuzz.sh --seeds).
void write_seed(const std::string& name, const std::string& bytes);

}  // namespace jobctl::fuzz
