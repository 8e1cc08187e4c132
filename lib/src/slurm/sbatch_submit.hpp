#pragma once
// Submitting a batch script with `sbatch --parsable` (the script on its
// stdin), and checking jobctl's Slurm options before anything runs, so a
// typo is one line from jobctl rather than a job that pends forever or an
// sbatch message about an option the user never typed.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace jobctl::detail {

// What the user asks Slurm for (empty or unset: Slurm's default).
struct SlurmOptions {
    std::string partition;                // --partition: a name, or names separated by commas
    std::string time_limit;               // --time, as Slurm writes it: "30", "1:00:00", "2-12"
    std::optional<unsigned> cpus;         // --cpus-per-task
    std::string memory;                   // --mem, per node: "512M", "4G", "1000" (MB)
    std::vector<std::string> extra_args;  // passed to sbatch as they are; options only ("--qos=high")
};

// One submission. Paths are Slurm filename patterns (%j, %A, %a, ... are
// Slurm's; "%%" is a literal %); empty ones are left to Slurm's default.
struct Submission {
    std::string job_name;
    std::string output_path;
    std::string error_path;
    std::string chdir;
    std::string input_path;            // empty: /dev/null
    std::optional<std::string> array;  // "0-5%2"
    std::string script;                // fed on sbatch's stdin
};

// The sbatch argv for a submission, without running anything.
std::vector<std::string> sbatch_arguments(const SlurmOptions& options, const Submission& submission);

// Submits and returns the Slurm job id ("1234"). Throws
// Error(invalid_argument) for bad options (checked first) and
// Error(cluster, "sbatch: <Slurm's message>") when sbatch refuses.
std::string submit_batch(const SlurmOptions& options, const Submission& submission);

// The job id in `sbatch --parsable` output: "ID" or "ID;cluster". Throws
// Error(cluster) for anything else.
std::string parse_sbatch_job_id(const std::string& out);

// Each throws Error(invalid_argument) with one line saying what is wrong.
void check_time_limit(const std::string& time_limit);   // minutes, M:S, H:M:S, D-H, D-H:M, D-H:M:S, UNLIMITED
void check_memory(const std::string& memory);           // [0-9]+[KMGT]?
void check_cpus(unsigned cpus);                         // at least 1
void check_partition(const std::string& partition);     // [A-Za-z0-9_.-]+, or several with commas
void check_slurm_options(const SlurmOptions& options);  // all of the above, for what is set

// ClusterName in the text of `scontrol show config` ("ClusterName = jobctl"),
// if it has one.
std::optional<std::string> parse_cluster_name(std::string_view config);

// The cluster's name (ClusterName in `scontrol show config`), asked once
// per process and kept; "slurm" when Slurm cannot say (then asked again next time).
std::string cluster_name();

}  // namespace jobctl::detail
