#include "slurm/output_tail.hpp"

#include <fcntl.h>
#include <unistd.h>

#include "output/output_log.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

bool OutputTail::copy_new(CustomJob& job) {
    FileDescriptor fd(::open(file_.c_str(), O_RDONLY | O_CLOEXEC));
    if (!fd) return false;  // not created yet (the job has not started)
    // On the stack: a follower idles most of its life, and its memory is
    // what each followed job costs this machine.
    char buffer[64 * 1024];
    bool copied = false;
    for (;;) {
        ssize_t length = ::pread(fd.get(), buffer, sizeof buffer, static_cast<off_t>(copied_));
        if (length <= 0) break;
        job.write(stream_, std::string_view(buffer, static_cast<std::size_t>(length)));
        copied_ += static_cast<std::uint64_t>(length);
        copied = true;
    }
    return copied;
}

CopiedBytes copied_bytes(const std::filesystem::path& job_directory, std::uint64_t log_size) {
    std::filesystem::path log = job_directory / kOutputLogFileName;
    std::error_code error;
    if (std::filesystem::exists(log, error) && std::filesystem::file_size(log, error) > log_size)
        std::filesystem::resize_file(log, log_size, error);
    CopiedBytes bytes;
    OutputLogReader reader(job_directory);
    reader.read(0, log_size, [&](OutputStream stream, std::string_view data) {
        if (stream == OutputStream::out) bytes.out += data.size();
        if (stream == OutputStream::err) bytes.err += data.size();
    });
    return bytes;
}

}  // namespace jobctl::detail
