#include "process_jobs/stdin_spool.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "jobctl/error.hpp"
#include "output/spool.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {
namespace {

constexpr std::size_t kChunk = 1u << 16;
constexpr int kStopCheckMs = 200;  // a quiet input is looked past this often for a stop

void write_all(int fd, const char* bytes, std::size_t size, const std::filesystem::path& file) {
    while (size > 0) {
        ssize_t written = ::write(fd, bytes, size);
        if (written < 0 && errno == EINTR) continue;
        if (written < 0) throw_system_error("cannot write " + file.string(), errno);
        bytes += written;
        size -= static_cast<std::size_t>(written);
    }
}

}  // namespace

std::filesystem::path spool_stdin(const std::filesystem::path& job_directory,
                                  const std::function<bool()>& stopped) {
    ensure_spool_directory(job_directory);
    std::filesystem::path file = spooled_stdin(job_directory);
    FileDescriptor out(::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!out) throw_system_error("cannot create " + file.string(), errno);
    auto buffer = std::make_unique<char[]>(kChunk);
    for (;;) {
        // A stop ends the copy: the job is then stopped before it starts,
        // whatever its input still holds (an endless `yes`, a quiet pipe).
        if (stopped()) return file;
        pollfd input{STDIN_FILENO, POLLIN, 0};
        int ready = ::poll(&input, 1, kStopCheckMs);
        if (ready < 0 && errno != EINTR) throw_system_error("cannot read stdin", errno);
        if (ready <= 0) continue;
        ssize_t got = ::read(STDIN_FILENO, buffer.get(), kChunk);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) throw_system_error("cannot read stdin", errno);
        if (got == 0) return file;
        write_all(out.get(), buffer.get(), static_cast<std::size_t>(got), file);
    }
}

std::filesystem::path spooled_stdin(const std::filesystem::path& job_directory) {
    return job_directory / "stdin";
}

}  // namespace jobctl::detail
