#pragma once
// The history file of a repository (jobctl/job_history.hpp): lines appended
// by every process that ends a job, rotated at a size the table's header
// holds, read by `jobctl history`.
//
// Appending: one write(2) of the whole line with O_APPEND, so that lines of
// processes that end jobs at once never mix. A line cut short (a crash
// mid-write, a full disk) has no newline, and the next line is appended to
// its piece: a reader counts that line damaged and takes the whole line
// after the piece (each line starts with {"id":). Writers do not mend it:
// a writer that looked at the file's last byte could see another's line
// half-way and start a needless empty line. Rotating: the writer that finds the file too full for its line
// takes flock() on it and, if the file it has open is still the one under
// the name, renames it to FILE.1 (replacing the one before). A writer that
// still has the renamed file open appends there (it is kept, in FILE.1);
// one whose file is gone (nlink 0) opens the name again. Only a regular
// file of this user that no one else may write is read or written.

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string_view>

#include "jobctl/job_history.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

// A longer line is skipped as damaged by readers, unread; writers keep
// lines far shorter (a long command is cut in its line).
inline constexpr std::size_t kMaxHistoryLine = 1024 * 1024;
inline constexpr std::size_t kMaxHistoryCommand = 64 * 1024;

class HistoryFile {
public:
    explicit HistoryFile(std::filesystem::path path) : path_(std::move(path)) {}

    const std::filesystem::path& path() const { return path_; }
    // FILE.1: the file before the current one.
    std::filesystem::path rotated_path() const;

    // Appends `line` and a newline, rotating first if the file would grow
    // past `limit` bytes. Best effort: false when it could not be written
    // (a full disk, a folder gone), which changes nothing else. Safe from
    // any thread; keeps the file open for the next line.
    bool append(std::string_view line, std::uint64_t limit);

private:
    // The file to append `bytes` to: the one open, else the name opened
    // (made if missing), rotated first if it is full.
    std::shared_ptr<FileDescriptor> file_for(std::uint64_t bytes, std::uint64_t limit);
    // Opens the name (made if missing) as file_: false if it cannot be, or
    // is no file of ours (history_file.cpp, unusable_because).
    bool open_file();
    // Renames the full file `file` (the one open) to FILE.1, unless another
    // process did or holds its flock.
    void rotate(const FileDescriptor& file) const;

    std::filesystem::path path_;
    std::mutex mutex_;  // guards what follows (the writes themselves need no lock)
    std::shared_ptr<FileDescriptor> file_;
    dev_t device_ = 0;  // the file_ opened, to know it again
    ino_t inode_ = 0;
};

// Hands every whole line of FILE.1, then of FILE, to `visit`, and counts
// those that are not whole entries (history_line.hpp), with a warning per
// file. Missing files are empty; a file that is not one of ours is skipped
// with a warning. Errors: system (a file of ours that cannot be read).
HistoryReading read_history_files(const HistoryFile& file,
                                  const std::function<void(const HistoryEntry&)>& visit);

}  // namespace jobctl::detail
