#include "output/output_log.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <limits>
#include <vector>

#include "jobctl/error.hpp"
#include "output/spool.hpp"
#include "system/clock.hpp"

namespace jobctl {
namespace {

constexpr std::size_t kReadBlock = 1u << 20;

bool is_out_of_space(int error) {
    return error == ENOSPC || error == EDQUOT;
}

// Writes every part at `offset` (the log has one writer, which keeps the
// offset itself: no O_APPEND, so that splice can write into it too). Returns
// 0, or the errno that stopped it; `written` says how many bytes got in.
int write_all_at(int fd, iovec* parts, int count, std::uint64_t offset, std::size_t& written) {
    written = 0;
    while (count > 0) {
        ssize_t got = ::pwritev(fd, parts, count, static_cast<off_t>(offset + written));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return errno;
        written += static_cast<std::size_t>(got);
        auto left = static_cast<std::size_t>(got);
        while (count > 0 && left >= parts->iov_len) {
            left -= parts->iov_len;
            ++parts;
            --count;
        }
        if (count > 0) {
            parts->iov_base = static_cast<char*>(parts->iov_base) + left;
            parts->iov_len -= left;
        }
    }
    return 0;
}

// Reads at least `minimum` and at most `maximum` bytes at `offset`; returns
// how many, or 0 if the file ends before `minimum`.
std::size_t read_at_least(int fd, char* buffer, std::size_t minimum, std::size_t maximum,
                          std::uint64_t offset) {
    std::size_t total = 0;
    while (total < minimum) {
        ssize_t got = ::pread(fd, buffer + total, maximum - total, static_cast<off_t>(offset + total));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_system_error("cannot read the output log", errno);
        if (got == 0) return 0;
        total += static_cast<std::size_t>(got);
    }
    return total;
}

}  // namespace

OutputLogWriter::OutputLogWriter(std::filesystem::path directory, std::string file_name)
    : directory_(std::move(directory)), file_name_(std::move(file_name)) {}

int OutputLogWriter::open() {
    // Creating the folders and the file takes room too. Any other failure is
    // left to ensure_spool_directory to report.
    for (const std::filesystem::path& folder : {directory_.parent_path(), directory_})
        if (::mkdir(folder.c_str(), 0700) != 0 && is_out_of_space(errno)) return errno;
    ensure_spool_directory(directory_);
    auto path = directory_ / file_name_;
    fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));  // read: last_byte
    if (!fd_ && is_out_of_space(errno)) return errno;
    if (!fd_) throw_system_error("cannot open " + path.string(), errno);
    off_t end = ::lseek(fd_.get(), 0, SEEK_END);
    size_ = end > 0 ? static_cast<std::uint64_t>(end) : 0;
    return 0;
}

void OutputLogWriter::open_if_present() {
    if (!fd_ && std::filesystem::exists(directory_ / file_name_)) open();
}

std::optional<char> OutputLogWriter::last_byte() const {
    char byte = 0;
    if (!fd_ || size_ == 0 || ::pread(fd_.get(), &byte, 1, static_cast<off_t>(size_ - 1)) != 1)
        return std::nullopt;
    return byte;
}

void OutputLogWriter::lose(std::uint64_t bytes, int error) {
    lost_bytes_ += bytes;
    loss_error_ = error;
}

void OutputLogWriter::cut_back() {
    // Shrinking a file needs no room. Should it fail anyway, the torn tail
    // is harmless: the next record overwrites it, and readers never read
    // past the size the writer published, which is always a record's end.
    if (fd_) (void)::ftruncate(fd_.get(), static_cast<off_t>(size_));
}

void OutputLogWriter::end_short_record(OutputRecordHeader header, std::uint32_t written, int error) {
    std::uint32_t length = header.length;
    // Text keeps what fit; a result record is one JSON document, and half of
    // one is of no use to anybody.
    bool divisible = header.stream == static_cast<std::uint8_t>(OutputStream::out) ||
                     header.stream == static_cast<std::uint8_t>(OutputStream::err);
    std::uint32_t kept = 0;
    if (divisible && written > 0) {
        // The header is already in the file: rewriting it allocates nothing.
        header.length = written;
        if (::pwrite(fd_.get(), &header, sizeof header, static_cast<off_t>(size_)) ==
            static_cast<ssize_t>(sizeof header)) {
            kept = written;
            size_ += sizeof header + kept;
        }
    }
    cut_back();
    lose(length - kept, error);
}

void OutputLogWriter::discard(int pipe_fd, std::size_t count) {
    if (!null_fd_) {
        null_fd_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        if (!null_fd_) throw_system_error("cannot open /dev/null", errno);
    }
    while (count > 0) {
        ssize_t got = ::splice(pipe_fd, nullptr, null_fd_.get(), nullptr, count, 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) throw_system_error("cannot drain the output pipe", got < 0 ? errno : EIO);
        count -= static_cast<std::size_t>(got);
    }
}

std::uint64_t OutputLogWriter::append(OutputStream stream, std::string_view bytes) {
    if (bytes.size() > kMaxRecordLength)
        throw Error(ErrorCode::invalid_argument, "output record larger than the log's limit");
    if (!fd_) {
        if (int error = open(); error != 0) {
            lose(bytes.size(), error);
            return size_;
        }
    }
    OutputRecordHeader header{
        static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint8_t>(stream), {}, detail::now_ns()};
    OutputRecordHeader copy = header;  // pwritev may be asked to go on from the middle of it
    iovec parts[2] = {{&copy, sizeof copy}, {const_cast<char*>(bytes.data()), bytes.size()}};
    std::size_t written = 0;
    int error = write_all_at(fd_.get(), parts, 2, size_, written);
    if (error == 0) {
        size_ += sizeof header + bytes.size();
        return size_;
    }
    if (!is_out_of_space(error)) {
        cut_back();
        throw_system_error("cannot write " + (directory_ / file_name_).string(), error);
    }
    end_short_record(
        header, written > sizeof header ? static_cast<std::uint32_t>(written - sizeof header) : 0, error);
    return size_;
}

std::optional<std::uint64_t> OutputLogWriter::append_from_pipe(OutputStream stream, int pipe_fd,
                                                               std::uint32_t most) {
    int available = 0;
    if (::ioctl(pipe_fd, FIONREAD, &available) != 0 || available <= 0) return std::nullopt;
    auto length = std::min({static_cast<std::uint32_t>(available), kMaxRecordLength, most});
    if (!fd_) {
        if (int error = open(); error != 0) {
            discard(pipe_fd, length);
            lose(length, error);
            return size_;
        }
    }
    OutputRecordHeader header{length, static_cast<std::uint8_t>(stream), {}, detail::now_ns()};
    OutputRecordHeader copy = header;
    iovec part{&copy, sizeof copy};
    std::size_t written = 0;
    int error = write_all_at(fd_.get(), &part, 1, size_, written);
    // The pipe holds at least `length` bytes and nobody else reads it: move
    // exactly that many into the file, without copying them through us.
    loff_t offset = static_cast<loff_t>(size_ + sizeof header);
    std::uint32_t moved = 0;
    while (error == 0 && moved < length) {
        ssize_t got = ::splice(pipe_fd, nullptr, fd_.get(), &offset, length - moved, SPLICE_F_MOVE);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0)
            error = got < 0 ? errno : EIO;
        else
            moved += static_cast<std::uint32_t>(got);
    }
    if (error == 0) {
        size_ += sizeof header + length;
        return size_;
    }
    if (!is_out_of_space(error)) {
        cut_back();
        throw_system_error("cannot move output into " + (directory_ / file_name_).string(), error);
    }
    // The command must not block on a full pipe: what did not fit goes.
    discard(pipe_fd, length - moved);
    end_short_record(header, moved, error);
    return size_;
}

OutputLogReader::OutputLogReader(const std::filesystem::path& directory, const std::string& file_name)
    : path_(directory / file_name) {
    reopen_if_missing();
}

void OutputLogReader::reopen_if_missing() {
    if (fd_) return;
    fd_.reset(::open(path_.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
    if (!fd_ && errno != ENOENT) throw_system_error("cannot open " + path_.string(), errno);
}

std::uint64_t OutputLogReader::read(std::uint64_t from, std::uint64_t to, const OutputSink& sink) {
    return read(from, to,
                [&](OutputStream stream, std::string_view bytes, Clock::time_point) { sink(stream, bytes); });
}

std::uint64_t OutputLogReader::read(std::uint64_t from, std::uint64_t to, const TimedOutputSink& sink) {
    reopen_if_missing();
    if (!fd_) return from;
    std::vector<char> block;
    std::uint64_t block_start = from;
    // Makes `block` cover [at, at + needed), reading ahead up to kReadBlock.
    auto ensure = [&](std::uint64_t at, std::size_t needed) {
        // Past what a file can hold (a damaged offset): nothing is there.
        if (at > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max()) - needed) return false;
        if (at >= block_start && at + needed <= block_start + block.size()) return true;
        std::size_t maximum = std::max<std::size_t>(needed, std::min<std::uint64_t>(kReadBlock, to - at));
        block.resize(maximum);
        block_start = at;
        std::size_t got = read_at_least(fd_.get(), block.data(), needed, maximum, at);
        block.resize(got);
        return got >= needed;
    };
    // `offset` is always the start of the next record: a record the file
    // does not hold whole yet (cut short) is left for the next read.
    std::uint64_t offset = from;
    while (to >= sizeof(OutputRecordHeader) && offset <= to - sizeof(OutputRecordHeader)) {
        if (!ensure(offset, sizeof(OutputRecordHeader))) break;
        OutputRecordHeader header;
        std::memcpy(&header, block.data() + (offset - block_start), sizeof header);
        if (header.length > kMaxRecordLength || header.stream < 1 || header.stream > 4)
            throw Error(ErrorCode::system,
                        "output log " + path_.string() + " is damaged at byte " + std::to_string(offset));
        std::uint64_t body = offset + sizeof header;
        if (header.length > to - body) break;  // ends past `to`: not written yet
        std::uint64_t record_end = body + header.length;
        if (!ensure(body, header.length)) break;
        sink(static_cast<OutputStream>(header.stream),
             std::string_view(block.data() + (body - block_start), header.length),
             Clock::time_point(
                 std::chrono::duration_cast<Clock::duration>(std::chrono::nanoseconds(header.time_ns))));
        offset = record_end;
    }
    return offset;
}

}  // namespace jobctl
