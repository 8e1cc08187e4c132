#include "record_printer.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::cli {
namespace {

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

void print_record(OutputStream stream, std::string_view bytes) {
    switch (stream) {
        case OutputStream::out:
            return write_all(STDOUT_FILENO, bytes);
        case OutputStream::result:
            return write_all(STDOUT_FILENO, std::string(bytes) + '\n');
        default:
            return write_all(STDERR_FILENO, bytes);
    }
}

void print_truncation(const JobInfo& job, std::string_view truncation) {
    write_all(STDERR_FILENO, "jobctl: job " + std::to_string(job.id) + ": " + std::string(truncation) + '\n');
}

}  // namespace jobctl::cli
