#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "jobctl/job_listing.hpp"
#include "schedule_test.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {

std::string current_crontab() {
    CliResult result = CliProcess({"crontab", "-l"}).finish();
    if (result.exit_code == 0) return result.out;
    EXPECT_NE(result.err.find("no crontab for"), std::string::npos) << result.err;
    return "";
}

void install_crontab(const std::string& text) {
    CliResult result = text.empty()
                           ? shell("crontab -r 2>/dev/null; true")
                           : CliProcess({"sh", "-c", "printf '%s' \"$0\" | crontab -", text}).finish();
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

namespace {

std::filesystem::path crontab_folder() {
    if (const char* folder = std::getenv("JOBCTL_TEST_CRONTAB_DIR"); folder && *folder) return folder;
    if (const char* state = std::getenv("XDG_STATE_HOME"); state && *state)
        return std::filesystem::path(state) / "jobctl-tests";
    const char* home = std::getenv("HOME");
    return std::filesystem::path(home && *home ? home : "/tmp") / ".local/state/jobctl-tests";
}

// The folder, made if missing: ours and closed to others, or an exception
// (a crontab read from a folder someone else controls must never be installed).
std::filesystem::path private_crontab_folder() {
    std::filesystem::path folder = crontab_folder();
    std::filesystem::create_directories(folder);
    struct stat status {};
    if (::lstat(folder.c_str(), &status) != 0 || !S_ISDIR(status.st_mode) || status.st_uid != ::geteuid())
        throw std::runtime_error(folder.string() + " is not a folder of ours");
    if ((status.st_mode & 077) != 0 && ::chmod(folder.c_str(), 0700) != 0)
        throw std::runtime_error("cannot close " + folder.string() + " to others");
    return folder;
}

// The saved file: "none\n", or "crontab\n" and the crontab's text.
std::string encode(const std::optional<std::string>& crontab) {
    return crontab ? "crontab\n" + *crontab : "none\n";
}

std::optional<std::optional<std::string>> decode(const std::string& text) {
    if (text == "none\n") return std::optional<std::string>();
    if (text.starts_with("crontab\n")) return std::optional<std::string>(text.substr(8));
    return std::nullopt;
}

std::optional<std::string> read_saved(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    std::string text;
    char buffer[4096];
    for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;)
        text.append(buffer, static_cast<std::size_t>(got));
    ::close(fd);
    return text;
}

// Written whole or not at all (a temporary file, fsync, rename).
void write_saved(const std::string& path, const std::string& text) {
    std::string temporary = path + ".new";
    int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + temporary + ": " + std::strerror(errno));
    bool written =
        ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
    ::close(fd);
    if (!written || ::rename(temporary.c_str(), path.c_str()) != 0)
        throw std::runtime_error("cannot write " + path + ": " + std::strerror(errno));
}

}  // namespace

std::string SavedCrontab::save_file() {
    return (crontab_folder() / "saved-crontab").string();
}

SavedCrontab::SavedCrontab() : file_(save_file()) {
    std::filesystem::path folder = private_crontab_folder();
    lock_fd_ = ::open((folder / "lock").c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX) != 0)  // a run in another build folder: wait for its end
        throw std::runtime_error("cannot lock " + (folder / "lock").string() + ": " + std::strerror(errno));
    // A saved crontab with nobody holding the lock: a run was killed before
    // it put the crontab back. Put that one back first.
    if (std::optional<std::string> leftover = read_saved(file_)) {
        std::optional<std::optional<std::string>> crontab = decode(*leftover);
        if (!crontab)
            throw std::runtime_error(file_ + " is damaged: look at it, put back the crontab by hand");
        install_crontab(crontab->value_or(""));
        if (current_crontab() != crontab->value_or(""))
            throw std::runtime_error("cannot put back the crontab saved in " + file_);
        std::fprintf(stderr, "SavedCrontab: put back the crontab a killed test run left changed (%s)\n",
                     file_.c_str());
        restored_leftover_ = true;
    }
    CliResult result = CliProcess({"crontab", "-l"}).finish();
    if (result.exit_code == 0) saved_ = result.out;
    write_saved(file_, encode(saved_));  // before the test changes anything
}

SavedCrontab::~SavedCrontab() {
    install_crontab(saved_.value_or(""));
    if (current_crontab() != saved_.value_or(""))
        ADD_FAILURE() << "the crontab could not be restored; it is saved in " << file_;
    else
        ::unlink(file_.c_str());  // put back: nothing left for the next run to do
    ::close(lock_fd_);
}

std::vector<std::string> jobctl_block(const std::string& crontab) {
    std::vector<std::string> block;
    std::istringstream in(crontab);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# BEGIN jobctl"))
            inside = true;
        else if (line == "# END jobctl")
            inside = false;
        else if (inside)
            block.push_back(line);
    }
    return block;
}

std::string command_of(const std::string& line) {
    std::istringstream in(line);
    std::string field;
    for (int i = 0; i < 5; ++i) in >> field;
    std::string command;
    std::getline(in >> std::ws, command);
    return command;
}

void ScheduleTest::SetUp() {
    JobctlTest::SetUp();
    crontab_.emplace();
}

void ScheduleTest::TearDown() {
    crontab_.reset();  // first: cron must start nothing more in the home about to go
    JobctlTest::TearDown();
}

void ScheduleTest::add(const std::string& name, const std::vector<std::string>& options,
                       const std::vector<std::string>& command) {
    std::vector<std::string> args{"schedule", "add", name};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    CliResult result = jobctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

std::string ScheduleTest::line_of(const std::string& name) {
    for (const std::string& line : jobctl_block(current_crontab()))
        if (line.find("JOBCTL_HOME='" + home() + "'") != std::string::npos &&
            line.ends_with(" schedule run --triggered '" + name + "'"))
            return line;
    return "";
}

std::vector<JobInfo> ScheduleTest::runs(const std::string& name) {
    std::vector<JobInfo> found;
    for (const JobInfo& job : repository().list())
        if (job.name == name && job.type == JobType::scheduled) found.push_back(job);
    return found;
}

std::vector<JobInfo> ScheduleTest::wait_for_runs(const std::string& name, std::size_t count,
                                                 std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    detail::JobTable& table = detail::table_of(repository());
    for (;;) {
        std::uint32_t seen = table.change_count();
        std::vector<JobInfo> found = runs(name);
        if (found.size() >= count) return found;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0)) {
            ADD_FAILURE() << "timed out waiting for " << count << " runs of " << name << " (" << found.size()
                          << " so far)";
            return found;
        }
        table.wait_for_change(seen, left);
    }
}

}  // namespace jobctl::test
