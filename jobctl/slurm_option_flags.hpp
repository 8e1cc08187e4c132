#pragma once
// --on slurm and the options that go with it (--partition, --time, --cpus,
// --mem, --slurm-arg): where the command of start, run and foreach runs.

#include <CLI/CLI.hpp>
#include <string>

#include "jobctl/slurm_job.hpp"

namespace jobctl::cli {

struct SlurmFlags {
    std::string on;  // "slurm", or empty: this machine
    SlurmOptions options;

    bool on_slurm() const { return on == "slurm"; }
    // Errors: invalid_argument for a Slurm option without --on slurm.
    void check() const;
};

void add_slurm_option_flags(CLI::App& command, SlurmFlags& flags);

}  // namespace jobctl::cli
