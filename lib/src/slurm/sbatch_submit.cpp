#include "slurm/sbatch_submit.hpp"

#include <cctype>
#include <mutex>
#include <string_view>

#include "jobctl/error.hpp"
#include "slurm/slurm_command.hpp"

namespace jobctl::detail {
namespace {

constexpr std::chrono::milliseconds kClusterNameDeadline{10'000};

bool all_digits(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!std::isdigit(static_cast<unsigned char>(c))) return false;
    return true;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(a[i])) != b[i]) return false;
    return true;
}

// "N", "N:N" or "N:N:N", as many as `most` numbers.
bool is_clock(std::string_view text, int most) {
    int numbers = 0;
    for (;;) {
        std::size_t colon = text.find(':');
        if (!all_digits(text.substr(0, colon)) || ++numbers > most) return false;
        if (colon == std::string_view::npos) return true;
        text.remove_prefix(colon + 1);
    }
}

void add_option(std::vector<std::string>& argv, std::string_view option, const std::string& value) {
    if (!value.empty()) argv.push_back(std::string(option) + "=" + value);
}

}  // namespace

void check_time_limit(const std::string& time_limit) {
    if (equals_ignoring_case(time_limit, "UNLIMITED") || equals_ignoring_case(time_limit, "INFINITE")) return;
    // Slurm's forms: minutes, MM:SS, HH:MM:SS, and with days D-HH, D-HH:MM, D-HH:MM:SS.
    std::size_t dash = time_limit.find('-');
    bool valid = dash == std::string::npos ? is_clock(time_limit, 3)
                                           : all_digits(std::string_view(time_limit).substr(0, dash)) &&
                                                 is_clock(std::string_view(time_limit).substr(dash + 1), 3);
    if (!valid)
        throw Error(ErrorCode::invalid_argument,
                    "invalid Slurm time limit '" + time_limit +
                        "': give minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or UNLIMITED");
}

void check_memory(const std::string& memory) {
    std::string_view number = memory;
    // Slurm takes the unit in either case; without one it means megabytes.
    if (!number.empty() && std::string_view("KMGTkmgt").find(number.back()) != std::string_view::npos)
        number.remove_suffix(1);
    if (!all_digits(number))
        throw Error(ErrorCode::invalid_argument,
                    "invalid Slurm memory size '" + memory +
                        "': give a number of megabytes, or one with K, M, G or T");
}

void check_cpus(unsigned cpus) {
    if (cpus < 1) throw Error(ErrorCode::invalid_argument, "a Slurm job needs at least 1 CPU");
}

void check_partition(const std::string& partition) {
    std::string_view rest = partition;
    for (;;) {
        std::size_t comma = rest.find(',');
        std::string_view name = rest.substr(0, comma);
        bool plain = !name.empty();
        for (char c : name)
            if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.'))
                plain = false;
        if (!plain)
            throw Error(ErrorCode::invalid_argument, "invalid Slurm partition '" + partition +
                                                         "': give a partition name (letters, digits, _ . -)");
        if (comma == std::string_view::npos) return;
        rest.remove_prefix(comma + 1);
    }
}

void check_slurm_options(const SlurmOptions& options) {
    if (!options.partition.empty()) check_partition(options.partition);
    if (!options.time_limit.empty()) check_time_limit(options.time_limit);
    if (options.cpus) check_cpus(*options.cpus);
    if (!options.memory.empty()) check_memory(options.memory);
}

std::vector<std::string> sbatch_arguments(const SlurmOptions& options, const Submission& submission) {
    std::vector<std::string> argv{"sbatch", "--parsable"};
    add_option(argv, "--job-name", submission.job_name);
    add_option(argv, "--output", submission.output_path);
    add_option(argv, "--error", submission.error_path);
    add_option(argv, "--chdir", submission.chdir);
    add_option(argv, "--input", submission.input_path);
    if (submission.array) add_option(argv, "--array", *submission.array);
    add_option(argv, "--partition", options.partition);
    add_option(argv, "--time", options.time_limit);
    if (options.cpus) add_option(argv, "--cpus-per-task", std::to_string(*options.cpus));
    add_option(argv, "--mem", options.memory);
    argv.insert(argv.end(), options.extra_args.begin(), options.extra_args.end());
    return argv;
}

std::string parse_sbatch_job_id(const std::string& out) {
    std::string_view line = std::string_view(out).substr(0, out.find('\n'));
    std::string_view id = line.substr(0, line.find(';'));  // a federation adds ";cluster"
    if (!all_digits(id))
        throw Error(ErrorCode::cluster, "sbatch: unexpected answer instead of a job id: " + out);
    return std::string(id);
}

std::string submit_batch(const SlurmOptions& options, const Submission& submission) {
    check_slurm_options(options);
    if (submission.script.empty())
        throw Error(ErrorCode::invalid_argument, "a Slurm job needs a batch script");
    ProgramResult result =
        run_slurm_command(sbatch_arguments(options, submission), {.input = submission.script});
    if (!result.succeeded()) throw Error(ErrorCode::cluster, "sbatch: " + slurm_message(result));
    return parse_sbatch_job_id(result.out);
}

std::optional<std::string> parse_cluster_name(std::string_view config) {
    while (!config.empty()) {
        std::size_t end = config.find('\n');
        std::string_view line = config.substr(0, end);
        config.remove_prefix(end == std::string_view::npos ? config.size() : end + 1);
        if (!line.starts_with("ClusterName ")) continue;
        std::size_t equals = line.find('=');
        if (equals == std::string_view::npos) return std::nullopt;
        std::string_view name = line.substr(equals + 1);
        while (name.starts_with(' ')) name.remove_prefix(1);
        while (name.ends_with(' ') || name.ends_with('\r')) name.remove_suffix(1);
        if (name.empty() || name == "(null)") return std::nullopt;
        return std::string(name);
    }
    return std::nullopt;
}

std::string cluster_name() {
    static std::mutex mutex;
    static std::optional<std::string> known;
    std::lock_guard lock(mutex);
    if (known) return *known;
    try {
        // A name is not worth the full wait for an unreachable controller.
        ProgramResult result =
            run_slurm_command({"scontrol", "show", "config"}, {.deadline = kClusterNameDeadline});
        if (result.succeeded()) known = parse_cluster_name(result.out);
    } catch (const Error&) {  // no scontrol, or no answer: not worth failing for a name
    }
    return known.value_or("slurm");
}

}  // namespace jobctl::detail
