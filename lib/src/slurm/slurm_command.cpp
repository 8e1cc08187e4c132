#include "slurm/slurm_command.hpp"

#include <cctype>
#include <optional>
#include <string_view>

#include "jobctl/error.hpp"

namespace jobctl::detail {

ProgramResult run_slurm_command(const std::vector<std::string>& argv, ProgramRunOptions options) {
    options.not_found_hint = "is Slurm's client (package slurm-client) installed?";
    try {
        return run_program(argv, options);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::timeout) throw;
        throw Error(ErrorCode::cluster, std::string(error.what()) + ": is the Slurm controller reachable?");
    }
}

namespace {

std::string_view trimmed(std::string_view text) {
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
        text.remove_suffix(1);
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
    return text;
}

bool is_word(std::string_view text) {
    if (text.empty()) return false;
    for (char c : text)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.')) return false;
    return true;
}

// "sbatch: error: X", "slurm_load_jobs error: X", "error: X" → "X": only a
// prefix of one word, so that an "error: " further into Slurm's own text stays.
std::optional<std::string_view> after_error_prefix(std::string_view line) {
    std::size_t at = line.find("error: ");
    if (at == std::string_view::npos) return std::nullopt;
    std::string_view prefix = line.substr(0, at);
    if (prefix.ends_with(": "))
        prefix.remove_suffix(2);
    else if (prefix.ends_with(' '))
        prefix.remove_suffix(1);
    if (!prefix.empty() && !is_word(prefix)) return std::nullopt;
    return line.substr(at + 7);
}

std::vector<std::string_view> nonempty_lines(std::string_view text) {
    std::vector<std::string_view> lines;
    while (!text.empty()) {
        std::size_t end = text.find('\n');
        std::string_view line = trimmed(text.substr(0, end));
        if (!line.empty()) lines.push_back(line);
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    }
    return lines;
}

// What sbatch adds in front of the controller's reason.
std::string_view without_submission_prefix(std::string_view message) {
    constexpr std::string_view kSubmissionFailed = "Batch job submission failed: ";
    if (message.starts_with(kSubmissionFailed)) message.remove_prefix(kSubmissionFailed.size());
    return message;
}

}  // namespace

std::string slurm_message(const ProgramResult& result) {
    std::vector<std::string_view> lines = nonempty_lines(result.err);
    for (std::string_view line : lines)
        if (auto message = after_error_prefix(line)) return std::string(without_submission_prefix(*message));
    if (!lines.empty()) return std::string(lines.front());
    std::vector<std::string_view> out_lines = nonempty_lines(result.out);
    if (!out_lines.empty()) return std::string(out_lines.front());
    return "exited with status " + std::to_string(result.exit_status) + " and said nothing";
}

}  // namespace jobctl::detail
