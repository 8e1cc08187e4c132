#include "record_printer.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::cli {
namespace {

constexpr std::size_t kBlock = 64 * 1024;

void write_all(int fd, std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t written = ::write(fd, bytes.data(), bytes.size());
        if (written < 0 && errno == EINTR) continue;
        if (written < 0 && errno == EPIPE) throw ReaderGone();
        if (written < 0) throw_system_error("cannot write the output", errno);
        bytes.remove_prefix(static_cast<std::size_t>(written));
    }
}

}  // namespace

int RecordPrinter::fd_of(OutputStream stream) {
    return stream == OutputStream::out || stream == OutputStream::result ? STDOUT_FILENO : STDERR_FILENO;
}

void RecordPrinter::print(OutputStream stream, std::string_view bytes) {
    append(fd_of(stream), bytes);
    if (stream == OutputStream::result) append(STDOUT_FILENO, "\n");  // a line of JSON
}

bool RecordPrinter::would_write(OutputStream stream, std::size_t size) const {
    return (fd_of(stream) != fd_ && !pending_.empty()) || pending_.size() + size + 1 >= kBlock;
}

void RecordPrinter::append(int fd, std::string_view bytes) {
    if (fd != fd_) flush();  // the order across the streams is kept
    fd_ = fd;
    if (pending_.empty() && bytes.size() >= kBlock) return write_out(fd, bytes);  // no copy
    pending_.append(bytes);
    if (pending_.size() >= kBlock) flush();
}

void RecordPrinter::write_out(int fd, std::string_view bytes) {
    if (bytes.empty()) return;
    write_all(fd, bytes);
    at_line_start_ = bytes.back() == '\n';
}

void RecordPrinter::flush() {
    if (pending_.empty()) return;
    // Emptied whether or not the write succeeds: after a failure nothing more is printed.
    struct Emptied {
        std::string& bytes;
        ~Emptied() { bytes.clear(); }
    } emptied{pending_};
    write_out(fd_, pending_);
}

void RecordPrinter::print_truncation(const JobInfo& job, std::string_view truncation) {
    flush();
    write_out(STDERR_FILENO, "jobctl: job " + std::to_string(job.id) + ": " + std::string(truncation) + '\n');
}

OutputSink RecordPrinter::sink() {
    return [this](OutputStream stream, std::string_view bytes) { print(stream, bytes); };
}

ReceiveOptions RecordPrinter::following() {
    return {.keep = false,
            .follow = true,
            .on_truncated = [this](const JobInfo& job,
                                   std::string_view truncation) { print_truncation(job, truncation); },
            .on_delivered = [this] { flush(); }};
}

}  // namespace jobctl::cli
