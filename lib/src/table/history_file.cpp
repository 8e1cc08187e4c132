#include "table/history_file.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <cerrno>
#include <fstream>
#include <string>

#include "jobctl/error.hpp"
#include "table/history_line.hpp"

namespace jobctl::detail {

namespace {

// Whether the last byte of `file` (`size` bytes) ends a line.
bool ends_a_line(const FileDescriptor& file, std::uint64_t size) {
    char last = '\n';
    if (size == 0) return true;
    return ::pread(file.get(), &last, 1, static_cast<off_t>(size - 1)) != 1 || last == '\n';
}

void read_lines(const std::filesystem::path& path, const std::function<void(const HistoryEntry&)>& visit,
                HistoryReading& reading) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno == ENOENT) return;
        throw_system_error("cannot read the history " + path.string(), errno);
    }
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty()) continue;  // two writers both mended the same cut line
        if (std::optional<HistoryEntry> entry = parse_history_line(line)) {
            ++reading.entries;
            visit(*entry);
        } else {
            ++reading.damaged_lines;
        }
    }
    if (in.bad()) throw_system_error("cannot read the history " + path.string(), errno != 0 ? errno : EIO);
}

}  // namespace

std::filesystem::path HistoryFile::rotated_path() const {
    return path_.string() + ".1";
}

bool HistoryFile::append(std::string_view line, std::uint64_t limit) {
    OpenFile open = file_for(line.size() + 1, limit);
    if (!open.file) return false;
    std::string text;
    text.reserve(line.size() + 2);
    if (!ends_a_line(*open.file, open.size)) text += '\n';  // the last writer was cut short
    text += line;
    text += '\n';
    // One write: O_APPEND puts it whole after every other writer's line. A
    // short one (a full disk) is not carried on, which could split it.
    return ::write(open.file->get(), text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

HistoryFile::OpenFile HistoryFile::file_for(std::uint64_t bytes, std::uint64_t limit) {
    std::lock_guard guard(mutex_);
    for (int attempt = 0; attempt < 4; ++attempt) {
        if (!file_) {
            // Read too: the last byte says whether the last writer was cut short.
            int fd = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
            if (fd < 0) return {};
            struct stat opened {};
            if (::fstat(fd, &opened) != 0 || !S_ISREG(opened.st_mode)) {
                ::close(fd);
                return {};
            }
            file_ = std::make_shared<FileDescriptor>(fd);
            device_ = opened.st_dev;
            inode_ = opened.st_ino;
        }
        struct stat info {};
        if (::fstat(file_->get(), &info) != 0 || info.st_dev != device_ || info.st_ino != inode_) {
            // A program that closes every descriptor (a detached host) closed
            // ours: the number is nobody's, or another file's. Not ours to close.
            (void)file_->release();
            file_.reset();
            continue;
        }
        if (info.st_nlink == 0) {  // rotated twice since it was opened
            file_.reset();
            continue;
        }
        auto size = static_cast<std::uint64_t>(info.st_size);
        if (size == 0 || size + bytes <= limit) return {file_, size};
        rotate(*file_);
        file_.reset();
    }
    return {};
}

void HistoryFile::rotate(const FileDescriptor& file) const {
    while (::flock(file.get(), LOCK_EX) != 0)
        if (errno != EINTR) return;
    struct stat named {};
    if (::stat(path_.c_str(), &named) == 0 && named.st_dev == device_ && named.st_ino == inode_)
        ::rename(path_.c_str(), rotated_path().c_str());
    ::flock(file.get(), LOCK_UN);
}

HistoryReading read_history_files(const HistoryFile& file,
                                  const std::function<void(const HistoryEntry&)>& visit) {
    HistoryReading reading;
    read_lines(file.rotated_path(), visit, reading);
    read_lines(file.path(), visit, reading);
    return reading;
}

}  // namespace jobctl::detail
