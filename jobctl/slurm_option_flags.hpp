#pragma once
// --on slurm and the options that go with it (--partition, --time, --cpus,
// --mem, --slurm-arg), or --on ssh:HOST: where the command of start, run
// and foreach runs.
// --mem and --cpus keep one meaning on this machine: the limits of the
// job's cgroup, with --max-procs.

#include <CLI/CLI.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "jobctl/process_job.hpp"
#include "jobctl/slurm_job.hpp"
#include "jobctl/ssh_job.hpp"

namespace jobctl::cli {

struct SlurmFlags {
    std::string on;  // "slurm", "ssh:HOST", or empty: this machine
    SlurmOptions options;
    std::optional<std::uint32_t> max_procs;  // this machine only

    bool on_slurm() const { return on == "slurm"; }
    bool on_ssh() const { return on.starts_with("ssh:"); }
    // --on ssh:A,B: {"A", "B"}.
    SshOptions ssh() const;
    // Errors: invalid_argument for a Slurm option without --on slurm, or
    // --max-procs with it.
    void check() const;
    // On this machine, --mem, --cpus and --max-procs are the limits of the
    // job's cgroup. Errors: invalid_argument (a SIZE that is not one).
    void add_local_limits(RunOptions& run) const;
};

void add_slurm_option_flags(CLI::App& command, SlurmFlags& flags);

}  // namespace jobctl::cli
