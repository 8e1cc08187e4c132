#include "slurm_option_flags.hpp"

#include <string>

#include "jobctl/error.hpp"
#include "size_option.hpp"

namespace jobctl::cli {

void add_slurm_option_flags(CLI::App& command, SlurmFlags& flags) {
    command
        .add_option("--on", flags.on,
                    "Where the command runs: 'slurm' submits it to the Slurm cluster with sbatch; "
                    "'ssh:HOST' runs it on HOST over ssh (user@host, a ~/.ssh/config alias, host:port; "
                    "HOST,HOST...: a child per host), as a job of jobctl there where it is on the PATH "
                    "(it outlives a dropped connection) (default: this machine)")
        ->check(CLI::Validator(
            [](std::string& value) {
                return value == "slurm" || (value.starts_with("ssh:") && value.size() > 4)
                           ? std::string()
                           : "give 'slurm' or 'ssh:HOST', not '" + value + "'";
            },
            "WHERE"))
        ->type_name("WHERE");
    command.add_option("--partition", flags.options.partition, "Slurm partition (--on slurm)")
        ->type_name("NAME");
    command
        .add_option("--time", flags.options.time_limit,
                    "Slurm time limit, as sbatch --time takes it: MINUTES, H:MM:SS, D-HH:MM (--on slurm)")
        ->type_name("LIMIT");
    command
        .add_option("--cpus", flags.options.cpus,
                    "At most N CPUs' worth of time (its cgroup's cpu.max); --on slurm: CPUs per task")
        ->type_name("N");
    command
        .add_option("--mem", flags.options.memory,
                    "Memory limit, e.g. 512M, 4G (its cgroup's memory.max: over it, the job is killed and "
                    "Failed); --on slurm: memory per node")
        ->type_name("SIZE");
    command
        .add_option("--max-procs", flags.max_procs,
                    "At most N processes and threads at once (its cgroup's pids.max; this machine only)")
        ->type_name("N");
    command
        .add_option("--slurm-arg", flags.options.extra_args,
                    "Pass ARG to sbatch as it is, e.g. --slurm-arg=--qos=long (repeatable; --on slurm)")
        ->type_name("ARG")
        ->allow_extra_args(false);  // one value each: the command after it is never taken for more
}

SshOptions SlurmFlags::ssh() const {
    SshOptions options;
    std::string_view hosts = std::string_view(on).substr(4);
    while (true) {
        std::size_t comma = hosts.find(',');
        options.hosts.emplace_back(hosts.substr(0, comma));
        if (comma == std::string_view::npos) return options;
        hosts.remove_prefix(comma + 1);
    }
}

void SlurmFlags::check() const {
    bool any = !options.partition.empty() || !options.time_limit.empty() || !options.extra_args.empty();
    if (any && !on_slurm())
        throw Error(ErrorCode::invalid_argument, "--partition, --time and --slurm-arg need --on slurm");
    if (max_procs && on_slurm())
        throw Error(ErrorCode::invalid_argument, "--max-procs limits a job on this machine, not --on slurm");
}

namespace {

// SIZE as --mem takes it, in bytes: a number with K, M, G or T (powers of
// 1024), or a bare number of megabytes, as sbatch --mem takes it.
std::uint64_t parse_memory_size(const std::string& text) {
    std::optional<std::uint64_t> size = parse_size(text, 2);  // a bare number is megabytes, as for sbatch
    if (!size)
        throw Error(ErrorCode::invalid_argument,
                    "--mem " + text + ": not a size (a number with K, M, G or T, e.g. 512M or 4G)");
    return *size;
}

}  // namespace

void SlurmFlags::add_local_limits(RunOptions& run) const {
    if (on_slurm()) return;
    if (!options.memory.empty()) run.memory_limit_bytes = parse_memory_size(options.memory);
    if (options.cpus) {
        if (*options.cpus == 0) throw Error(ErrorCode::invalid_argument, "--cpus must be at least 1");
        run.cpu_limit = *options.cpus;
    }
    run.process_limit = max_procs;
}

}  // namespace jobctl::cli
