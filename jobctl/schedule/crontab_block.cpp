#include "schedule/crontab_block.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <sstream>
#include <vector>

#include "jobctl/error.hpp"
#include "jobctl/program_run.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {
namespace {

// crontab ARGS..., found along PATH, stdin /dev/null; its stderr without
// the newline at its end.
ProgramResult run_crontab(const std::vector<std::string>& args) {
    std::vector<std::string> argv{"crontab"};
    argv.insert(argv.end(), args.begin(), args.end());
    ProgramResult result = run_program(
        argv, {.not_found_hint = "schedules need cron (install the package 'cron': apt-get install cron)"});
    while (!result.err.empty() && result.err.back() == '\n') result.err.pop_back();
    return result;
}

// 'TEXT' for sh, with ' as '\''.
std::string shell_quoted(const std::string& text) {
    std::string out = "'";
    for (char c : text) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string command_prefix(const CrontabKey& key) {
    return "JOBCTL_HOME=" + shell_quoted(key.home) + " JOBCTL_REPOSITORY=" + shell_quoted(key.repository) +
           " ";
}

std::string command_suffix(const CrontabKey& key) {
    return " schedule run --triggered " + shell_quoted(key.name);
}

// Whether `line` (five fields, then the command) runs `key`'s schedule.
bool runs(const std::string& line, const CrontabKey& key) {
    std::istringstream in(line);
    std::string field;
    for (int i = 0; i < 5; ++i)
        if (!(in >> field)) return false;
    std::string command;
    std::getline(in >> std::ws, command);
    std::string prefix = command_prefix(key), suffix = command_suffix(key);
    return command.size() > prefix.size() + suffix.size() && command.starts_with(prefix) &&
           command.ends_with(suffix);
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// `crontab` with `key`'s line set to `line` (or gone), the rest as it was.
std::string edited(const std::string& crontab, const CrontabKey& key,
                   const std::optional<std::string>& line) {
    std::vector<std::string> before, block, after;
    int part = 0;  // 0 before the block, 1 in it, 2 after it
    for (std::string& text : lines_of(crontab)) {
        if (part == 0 && text == kCrontabBegin) {
            part = 1;
        } else if (part == 1 && text == kCrontabEnd) {
            part = 2;
        } else if (part == 1) {
            if (!runs(text, key)) block.push_back(std::move(text));
        } else {
            (part == 0 ? before : after).push_back(std::move(text));
        }
    }
    if (line) block.push_back(*line);
    std::string result;
    for (const std::string& text : before) result += text + '\n';
    if (!block.empty()) {
        result += std::string(kCrontabBegin) + '\n';
        for (const std::string& text : block) result += text + '\n';
        result += std::string(kCrontabEnd) + '\n';
    }
    for (const std::string& text : after) result += text + '\n';
    return result;
}

void install_crontab(const std::string& text) {
    std::filesystem::path file = Repository::home() / ".crontab.new";
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw_system_error("cannot write " + file.string(), errno);
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    int error = errno;
    ::close(fd);
    if (!written) {
        ::unlink(file.c_str());
        throw_system_error("cannot write " + file.string(), error);
    }
    // An empty crontab is removed rather than installed empty.
    ProgramResult result =
        run_crontab(text.empty() ? std::vector<std::string>{"-r"} : std::vector<std::string>{file.string()});
    ::unlink(file.c_str());
    if (!result.succeeded() && !(text.empty() && result.err.find("no crontab") != std::string::npos))
        throw Error(ErrorCode::system, "crontab refused the new crontab: " + result.err);
}

}  // namespace

CrontabKey crontab_key(const std::string& repository, const std::string& name) {
    return {Repository::home().string(), repository, name};
}

std::string crontab_line(const CrontabKey& key, const std::string& cron) {
    std::error_code error;
    std::string jobctl = std::filesystem::read_symlink("/proc/self/exe", error).string();
    if (error) throw_system_error("cannot find this jobctl's path", error.value());
    for (const std::string* text :
         std::initializer_list<const std::string*>{&key.home, &key.repository, &jobctl})
        if (text->find_first_of("%\n\r") != std::string::npos)
            throw Error(
                ErrorCode::invalid_argument,
                "'" + *text + "' cannot go into a crontab line: cron cuts commands at '%' and newlines");
    return cron + " " + command_prefix(key) + shell_quoted(jobctl) + command_suffix(key);
}

std::string read_crontab() {
    ProgramResult result = run_crontab({"-l"});
    if (result.succeeded()) return result.out;
    if (result.err.starts_with("no crontab for")) return "";
    throw Error(ErrorCode::system, "crontab -l failed: " + result.err);
}

void set_crontab_line(const CrontabKey& key, const std::optional<std::string>& line) {
    constexpr int kAttempts = 5;
    for (int attempt = 0; attempt < kAttempts; ++attempt) {
        std::string current = read_crontab();
        std::string wanted = edited(current, key, line);
        if (wanted == current) return;
        // Someone (not jobctl: it holds the lock) may have edited it since:
        // then start again from what it is now.
        if (read_crontab() != current) continue;
        install_crontab(wanted);
        return;
    }
    throw Error(ErrorCode::system, "the crontab keeps changing while jobctl edits it; try again");
}

}  // namespace jobctl::cli
