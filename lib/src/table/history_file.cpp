#include "table/history_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <set>
#include <string>

#include "jobctl/error.hpp"
#include "table/history_line.hpp"
#include "table/repository_location.hpp"

namespace jobctl::detail {

namespace {

// Why a history file is not one to read or write ("" if it is): a regular
// file of this user that no one else may write. Anything else may have been
// put there by someone else (a FIFO that would hang a reader, another
// user's file that would get our commands).
std::string unusable_because(const struct stat& file) {
    if (!S_ISREG(file.st_mode)) return "it is " + kind_of_file(file.st_mode) + ", not a file";
    if (file.st_uid != ::geteuid()) return "it " + owned_by_another_user(file.st_uid);
    if ((file.st_mode & (S_IWGRP | S_IWOTH)) != 0) return "others may write to it";
    return "";
}

// Splits what `fd` holds into lines, each handed to `line`; a line longer
// than kMaxHistoryLine is counted damaged without being held whole.
void read_lines_of(int fd, const std::filesystem::path& path,
                   const std::function<void(std::string_view)>& line, std::size_t& too_long) {
    std::string pending;
    bool skipping = false;  // in a line already too long
    char buffer[64 * 1024];
    for (;;) {
        ssize_t got = ::read(fd, buffer, sizeof buffer);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_system_error("cannot read the history " + path.string(), errno);
        if (got == 0) break;
        std::string_view chunk(buffer, static_cast<std::size_t>(got));
        for (std::size_t end; (end = chunk.find('\n')) != std::string_view::npos;
             chunk.remove_prefix(end + 1)) {
            if (!skipping) {
                pending.append(chunk.substr(0, end));
                line(pending);
            }
            pending.clear();
            skipping = false;
        }
        if (skipping) continue;
        pending.append(chunk);
        if (pending.size() > kMaxHistoryLine) {
            ++too_long;
            pending.clear();
            skipping = true;
        }
    }
    if (!skipping && !pending.empty()) line(pending);  // a last line without its newline: cut short
}

void read_file(const std::filesystem::path& path, const std::function<void(const HistoryEntry&)>& visit,
               HistoryReading& reading) {
    // O_NONBLOCK: a FIFO put in its place must not hang the reader.
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK));
    if (!file) {
        if (errno == ENOENT) return;
        if (errno == ELOOP) {
            reading.warnings.push_back(path.string() + " is a symbolic link: skipped");
            return;
        }
        throw_system_error("cannot read the history " + path.string(), errno);
    }
    struct stat status {};
    if (::fstat(file.get(), &status) != 0)
        throw_system_error("cannot read the history " + path.string(), errno);
    if (std::string why = unusable_because(status); !why.empty()) {
        reading.warnings.push_back(path.string() + " skipped: " + why);
        return;
    }
    std::size_t damaged = 0;
    read_lines_of(
        file.get(), path,
        [&](std::string_view line) {
            if (line.empty()) return;
            std::optional<HistoryEntry> entry = parse_history_line(line);
            if (!entry) {
                ++damaged;
                // A writer cut short left no newline: the next line was
                // appended to its piece. It is whole after the piece.
                std::size_t next = line.rfind(R"({"id":)");
                if (next != 0 && next != std::string_view::npos)
                    entry = parse_history_line(line.substr(next));
            }
            if (!entry) return;
            ++reading.entries;
            visit(*entry);
        },
        damaged);
    if (damaged == 0) return;
    reading.damaged_lines += damaged;
    reading.warnings.push_back("skipped " + std::to_string(damaged) + " damaged line(s) of " + path.string() +
                               " (cut short by a crash or a full disk)");
}

}  // namespace

std::filesystem::path HistoryFile::rotated_path() const {
    return path_.string() + ".1";
}

bool HistoryFile::append(std::string_view line, std::uint64_t limit) {
    std::shared_ptr<FileDescriptor> file = file_for(line.size() + 1, limit);
    if (!file) return false;
    std::string text;
    text.reserve(line.size() + 1);
    text += line;
    text += '\n';
    // One write: O_APPEND puts it whole after every other writer's line. A
    // short one (a full disk) is not carried on, which could split it.
    return ::write(file->get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

std::shared_ptr<FileDescriptor> HistoryFile::file_for(std::uint64_t bytes, std::uint64_t limit) {
    std::lock_guard guard(mutex_);
    bool rotated = false;
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (!file_ && !open_file()) return {};
        struct stat info {};
        if (::fstat(file_->get(), &info) != 0 || info.st_dev != device_ || info.st_ino != inode_) {
            // A program that closes every descriptor (a detached host) closed
            // ours: the number is nobody's, or another file's. Not ours to
            // close: the holder is kept, never destroyed (a release() would
            // race with a thread still holding a copy).
            new std::shared_ptr<FileDescriptor>(std::move(file_));
            continue;
        }
        if (info.st_nlink == 0) {  // rotated twice since it was opened
            file_.reset();
            continue;
        }
        auto size = static_cast<std::uint64_t>(info.st_size);
        // Rotated once at most: a file that cannot be (a folder in the way
        // of FILE.1) grows past the limit rather than lose lines.
        if (size == 0 || size + bytes <= limit || rotated) return file_;
        rotate(*file_);
        file_.reset();
        rotated = true;
    }
    return {};
}

bool HistoryFile::open_file() {
    int flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK;
    int fd = ::open(path_.c_str(), flags, 0600);
    if (fd < 0 && errno == ENOENT) {  // a table given by path: its spool is made with its first output
        try {
            ensure_private_directory(path_.parent_path());
        } catch (const Error&) {
            return false;
        }
        fd = ::open(path_.c_str(), flags, 0600);
    }
    if (fd < 0) return false;
    FileDescriptor opened(fd);
    struct stat status {};
    if (::fstat(fd, &status) != 0 || !unusable_because(status).empty()) return false;
    file_ = std::make_shared<FileDescriptor>(std::move(opened));
    device_ = status.st_dev;
    inode_ = status.st_ino;
    return true;
}

void HistoryFile::rotate(const FileDescriptor& file) const {
    // Not waited for: whoever holds it (another writer rotating, or anyone
    // with flock(1)) must not hold up the end of a job. The next line tries again.
    if (::flock(file.get(), LOCK_EX | LOCK_NB) != 0) return;
    struct stat named {};
    if (::stat(path_.c_str(), &named) == 0 && named.st_dev == device_ && named.st_ino == inode_)
        ::rename(path_.c_str(), rotated_path().c_str());
    ::flock(file.get(), LOCK_UN);
}

HistoryReading read_history_files(const HistoryFile& file,
                                  const std::function<void(const HistoryEntry&)>& visit) {
    HistoryReading reading;
    // One end, one entry: a stopped ender whose line another process wrote
    // for it (read_history) may still write it when it goes on.
    std::set<std::pair<JobId, Clock::time_point>> seen;
    auto once = [&](const HistoryEntry& entry) {
        if (!seen.emplace(entry.job.id, entry.job.ended.value_or(Clock::time_point{})).second) {
            --reading.entries;
            return;
        }
        visit(entry);
    };
    read_file(file.rotated_path(), once, reading);
    read_file(file.path(), once, reading);
    return reading;
}

}  // namespace jobctl::detail
