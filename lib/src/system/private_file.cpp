#include "system/private_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::detail {

void write_private_file(const std::filesystem::path& file, std::string_view bytes) {
    std::filesystem::path partial = file.string() + ".partial";
    int fd = ::open(partial.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) throw_system_error("cannot write " + partial.string(), errno);
    ::fchmod(fd, 0600);  // one left by an earlier try may have had another mode
    for (std::size_t written = 0; written < bytes.size();) {
        ssize_t got = ::write(fd, bytes.data() + written, bytes.size() - written);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) {
            int error = got < 0 ? errno : EIO;
            ::close(fd);
            ::unlink(partial.c_str());
            throw_system_error("cannot write " + partial.string(), error);
        }
        written += static_cast<std::size_t>(got);
    }
    ::close(fd);
    if (std::rename(partial.c_str(), file.c_str()) != 0)
        throw_system_error("cannot write " + file.string(), errno);
}

}  // namespace jobctl::detail
