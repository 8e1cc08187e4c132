#include "slurm_option_flags.hpp"

#include "jobctl/error.hpp"

namespace jobctl::cli {

void add_slurm_option_flags(CLI::App& command, SlurmFlags& flags) {
    command
        .add_option("--on", flags.on,
                    "Where the command runs: 'slurm' submits it to the Slurm cluster with sbatch "
                    "(default: this machine)")
        ->check(CLI::IsMember({"slurm"}))
        ->type_name("WHERE");
    command.add_option("--partition", flags.options.partition, "Slurm partition (--on slurm)")
        ->type_name("NAME");
    command
        .add_option("--time", flags.options.time_limit,
                    "Slurm time limit, as sbatch --time takes it: MINUTES, H:MM:SS, D-HH:MM (--on slurm)")
        ->type_name("LIMIT");
    command.add_option("--cpus", flags.options.cpus, "CPUs per task (--on slurm)")->type_name("N");
    command.add_option("--mem", flags.options.memory, "Memory per node, e.g. 512M, 4G (--on slurm)")
        ->type_name("SIZE");
    command
        .add_option("--slurm-arg", flags.options.extra_args,
                    "Pass ARG to sbatch as it is, e.g. --slurm-arg=--qos=long (repeatable; --on slurm)")
        ->type_name("ARG")
        ->allow_extra_args(false);  // one value each: the command after it is never taken for more
}

void SlurmFlags::check() const {
    bool any = !options.partition.empty() || !options.time_limit.empty() || options.cpus.has_value() ||
               !options.memory.empty() || !options.extra_args.empty();
    if (any && !on_slurm())
        throw Error(ErrorCode::invalid_argument,
                    "--partition, --time, --cpus, --mem and --slurm-arg need --on slurm");
}

}  // namespace jobctl::cli
