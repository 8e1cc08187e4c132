#include "process_jobs/joblog_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::detail {

namespace {

[[noreturn]] void throw_unwritable(const std::filesystem::path& path, int error) {
    throw Error(ErrorCode::invalid_argument,
                "cannot write the joblog " + path.string() + ": " + std::strerror(error));
}

double seconds_of(Clock::duration duration) {
    return std::chrono::duration_cast<std::chrono::duration<double>>(duration).count();
}

// Exitval as parallel writes it: the exit code; 0 beside a signal; -1 for
// a child that did not end by itself (timed out, stopped: even if it then
// exited 0) or has no exit code.
int exit_value(const JobInfo& child) {
    if (child.term_signal) return 0;
    if (!child.exit_code || (*child.exit_code == 0 && child.state != JobState::completed)) return -1;
    return *child.exit_code;
}

// A FIFO would lose lines (written without waiting) or tear long ones; a
// device is no log.
void check_regular(const FileDescriptor& file, const std::filesystem::path& path) {
    struct stat status {};
    if (::fstat(file.get(), &status) != 0) throw_unwritable(path, errno);
    if (!S_ISREG(status.st_mode))
        throw Error(ErrorCode::invalid_argument,
                    "cannot write the joblog " + path.string() + ": not a regular file");
}

// A command on one line: a tab or newline in it would break the columns.
std::string one_line(std::string text) {
    for (char& c : text)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return text;
}

}  // namespace

JoblogFile::JoblogFile(const std::filesystem::path& path)
    : file_(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644)) {
    if (!file_) throw_unwritable(path, errno);
    check_regular(file_, path);
    if (::ftruncate(file_.get(), 0) != 0) throw_unwritable(path, errno);
    static constexpr std::string_view kHeader =
        "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand\n";
    if (::write(file_.get(), kHeader.data(), kHeader.size()) != static_cast<ssize_t>(kHeader.size()))
        throw_unwritable(path, errno != 0 ? errno : ENOSPC);
}

void JoblogFile::add(std::size_t seq, const JobInfo& child, std::uint64_t stdout_bytes) {
    if (!child.began) return;  // never started: parallel writes no line (so --resume runs it)
    double start = seconds_of(child.began->time_since_epoch());
    double runtime = child.ended ? seconds_of(*child.ended - *child.began) : 0;
    char fields[160];
    std::snprintf(fields, sizeof fields, "%.3f\t%10.3f\t0\t%llu\t%d\t%d\t", start, runtime,
                  static_cast<unsigned long long>(stdout_bytes), exit_value(child),
                  child.term_signal.value_or(0));
    // The host, as parallel writes its sshlogin; ':' for this machine.
    std::string host = child.type_name == "ssh" ? one_line(child.location) : ":";
    std::string line = std::to_string(seq) + "\t" + host + "\t" + fields + one_line(child.command) + "\n";
    (void)!::write(file_.get(), line.data(), line.size());
}

void check_joblog_writable(const std::filesystem::path& path) {
    FileDescriptor file(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NONBLOCK, 0644));
    if (!file) throw_unwritable(path, errno);
    check_regular(file, path);
}

}  // namespace jobctl::detail
