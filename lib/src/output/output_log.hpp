#pragma once
// A job's output log: an append-only file of framed records, so that the
// relative order of stdout and stderr survives and each stream can still be
// received alone. Output lives on disk, never in shared memory.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
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

// The log's one writer. A write that fails for want of space (ENOSPC,
// EDQUOT: the spool's filesystem is full, or the user's quota) does not
// throw: what did not fit is dropped and counted (lost_bytes), the log still
// ends with a whole record, and the next append tries again, so writing
// resumes by itself once there is room. Any other failure throws.
class OutputLogWriter {
public:
    // Opens (creating) the log in `directory`, which is created on first use.
    // `file_name`: another log than the job's (a piece of a capped log's tail).
    explicit OutputLogWriter(std::filesystem::path directory, std::string file_name = kOutputLogFileName);
    OutputLogWriter(const OutputLogWriter&) = delete;
    OutputLogWriter& operator=(const OutputLogWriter&) = delete;

    // Appends one record (at most kMaxRecordLength bytes); returns the log's
    // new size. Without room for all of it, an out or err record keeps the
    // bytes that fit (a shorter record); a result or info record, which is
    // one document, is kept whole or not at all.
    std::uint64_t append(OutputStream stream, std::string_view bytes);
    // Moves what a pipe holds now into one record (splice: no copy through
    // user space). Returns the log's new size, or nullopt when the pipe holds
    // nothing (then read it to see whether it is at its end). Without room,
    // keeps what fits, as append does, and drains the rest from the pipe
    // all the same (to /dev/null), so that the writer never blocks. Moves
    // `most` bytes at most.
    std::optional<std::uint64_t> append_from_pipe(OutputStream stream, int pipe_fd,
                                                  std::uint32_t most = kMaxRecordLength);
    std::uint64_t size() const { return size_; }
    // Opens the log now if it exists, so that size() is its size (else it
    // is opened, and made, with the first record).
    void open_if_present();
    // The log's last byte (the end of its last record); nothing while empty.
    std::optional<char> last_byte() const;

    // Bytes of output (not counting the log's framing) dropped for want of space.
    std::uint64_t lost_bytes() const { return lost_bytes_; }
    // ENOSPC or EDQUOT, whichever last cost output; 0 while nothing was lost.
    int loss_error() const { return loss_error_; }

private:
    int open();  // 0, or the ENOSPC or EDQUOT that left no room to create the log
    void lose(std::uint64_t bytes, int error);
    // After a record's write stopped for want of space once `written` of its
    // bytes were in the file (behind its header): keeps them as a shorter
    // record if the stream allows, and cuts the file back to the log's end.
    void end_short_record(OutputRecordHeader header, std::uint32_t written, int error);
    // Cuts off what a failed write left after the last whole record.
    void cut_back();
    // Reads `count` bytes from the pipe into /dev/null.
    void discard(int pipe_fd, std::size_t count);

    std::filesystem::path directory_;
    std::string file_name_;
    detail::FileDescriptor fd_;       // opened with the first record
    detail::FileDescriptor null_fd_;  // /dev/null, opened when output is first dropped
    std::uint64_t size_ = 0;
    std::uint64_t lost_bytes_ = 0;
    int loss_error_ = 0;
};

class OutputLogReader {
public:
    // A missing log reads as empty.
    explicit OutputLogReader(const std::filesystem::path& directory,
                             const std::string& file_name = kOutputLogFileName);
    OutputLogReader(const OutputLogReader&) = delete;
    OutputLogReader& operator=(const OutputLogReader&) = delete;

    // Delivers every whole record in [from, to) to `sink`, in order, and
    // returns the offset after the last one. Throws on a damaged log.
    std::uint64_t read(std::uint64_t from, std::uint64_t to, const TimedOutputSink& sink);
    std::uint64_t read(std::uint64_t from, std::uint64_t to, const OutputSink& sink);

private:
    void reopen_if_missing();

    std::filesystem::path path_;
    detail::FileDescriptor fd_;  // empty while there is no log
};

}  // namespace jobctl
