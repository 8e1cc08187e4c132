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

void RecordPrinter::print(OutputStream stream, std::string_view bytes) {
    switch (stream) {
        case OutputStream::out:
            return append(STDOUT_FILENO, bytes);
        case OutputStream::result:
            append(STDOUT_FILENO, bytes);
            return append(STDOUT_FILENO, "\n");
        default:
            return append(STDERR_FILENO, bytes);
    }
}

void RecordPrinter::append(int fd, std::string_view bytes) {
    if (fd != fd_) flush();  // the order across the streams is kept
    fd_ = fd;
    if (pending_.empty() && bytes.size() >= kBlock) return write_all(fd, bytes);  // no copy
    pending_.append(bytes);
    if (pending_.size() >= kBlock) flush();
}

void RecordPrinter::flush() {
    if (pending_.empty()) return;
    // Emptied whether or not the write succeeds: after a failure nothing more is printed.
    struct Emptied {
        std::string& bytes;
        ~Emptied() { bytes.clear(); }
    } emptied{pending_};
    write_all(fd_, pending_);
}

void RecordPrinter::print_truncation(const JobInfo& job, std::string_view truncation) {
    flush();
    write_all(STDERR_FILENO, "jobctl: job " + std::to_string(job.id) + ": " + std::string(truncation) + '\n');
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
