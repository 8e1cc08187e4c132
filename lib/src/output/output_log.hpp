#pragma once
// A job's output log: an append-only file of framed records, so that the
// relative order of stdout and stderr survives and each stream can still be
// received alone. Output lives on disk, never in shared memory.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string_view>

#include "jobctl/receive.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl {

// On disk before every record's bytes (native byte order: the log never
// leaves the machine that wrote it).
struct OutputRecordHeader {
    std::uint32_t length;
    std::uint8_t stream;  // OutputStream
    std::uint8_t reserved[3];
    std::int64_t time_ns;  // CLOCK_REALTIME when the bytes were read
};
static_assert(sizeof(OutputRecordHeader) == 16);

inline constexpr std::uint32_t kMaxRecordLength = 4u << 20;
inline constexpr const char* kOutputLogFileName = "output.log";

class OutputLogWriter {
public:
    // Opens (creating) the log in `directory`, which is created on first use.
    explicit OutputLogWriter(std::filesystem::path directory);
    OutputLogWriter(const OutputLogWriter&) = delete;
    OutputLogWriter& operator=(const OutputLogWriter&) = delete;

    // Appends one record (at most kMaxRecordLength bytes); returns the log's new size.
    std::uint64_t append(OutputStream stream, std::string_view bytes);
    // Moves what a pipe holds now into one record (splice: no copy through
    // user space). Returns the log's new size, or nullopt when the pipe holds
    // nothing (then read it to see whether it is at its end).
    std::optional<std::uint64_t> append_from_pipe(OutputStream stream, int pipe_fd);
    std::uint64_t size() const { return size_; }

private:
    void open();

    std::filesystem::path directory_;
    detail::FileDescriptor fd_;  // opened with the first record
    std::uint64_t size_ = 0;
};

class OutputLogReader {
public:
    // A missing log reads as empty.
    explicit OutputLogReader(const std::filesystem::path& directory);
    OutputLogReader(const OutputLogReader&) = delete;
    OutputLogReader& operator=(const OutputLogReader&) = delete;

    // Delivers every whole record in [from, to) to `sink`, in order, and
    // returns the offset after the last one. Throws on a damaged log.
    std::uint64_t read(std::uint64_t from, std::uint64_t to, const OutputSink& sink);

private:
    void reopen_if_missing();

    std::filesystem::path path_;
    detail::FileDescriptor fd_;  // empty while there is no log
};

}  // namespace jobctl
