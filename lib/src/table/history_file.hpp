#pragma once
// The history file of a repository (jobctl/job_history.hpp): lines appended
// by every process that ends a job, rotated at a size the table's header
// holds, read by `jobctl history`.
//
// Appending: one write(2) of the whole line with O_APPEND, so that lines of
// processes that end jobs at once never mix. A line cut short (a crash
// mid-write, a full disk) has no newline: the next writer sees that and
// starts on a new line, so that only the cut line is damaged, and a reader
// skips it. Rotating: the writer that finds the file too full for its line
// takes flock() on it and, if the file it has open is still the one under
// the name, renames it to FILE.1 (replacing the one before). A writer that
// still has the renamed file open appends there (it is kept, in FILE.1);
// one whose file is gone (nlink 0) opens the name again.

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
    struct OpenFile {
        std::shared_ptr<FileDescriptor> file;
        std::uint64_t size = 0;
    };
    // The file to append `bytes` to: the one open, else the name opened
    // (made if missing), rotated first if it is full.
    OpenFile file_for(std::uint64_t bytes, std::uint64_t limit);
    // Renames the full file `file` (the one open) to FILE.1, unless another
    // process did.
    void rotate(const FileDescriptor& file) const;

    std::filesystem::path path_;
    std::mutex mutex_;  // guards what follows (the writes themselves need no lock)
    std::shared_ptr<FileDescriptor> file_;
    dev_t device_ = 0;  // the file_ opened, to know it again
    ino_t inode_ = 0;
};

// Hands every whole line of FILE.1, then of FILE, to `visit`, and counts
// those that are not whole entries (history_line.hpp). Missing files are
// empty. Errors: system (a file there that cannot be read).
HistoryReading read_history_files(const HistoryFile& file,
                                  const std::function<void(const HistoryEntry&)>& visit);

}  // namespace jobctl::detail
