#include "system/boot_id.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>

#include "jobctl/error.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

std::string current_boot_id() {
    if (const char* seam = std::getenv("JOBCTL_BOOT_ID"); seam != nullptr && *seam != '\0') return seam;
    // An id that cannot be read is never taken for another boot's: that
    // would end every unfinished job "lost at reboot" while it runs on.
    constexpr const char* kPath = "/proc/sys/kernel/random/boot_id";
    FileDescriptor file(::open(kPath, O_RDONLY | O_CLOEXEC));
    if (!file) throw_system_error(std::string("cannot read ") + kPath, errno);
    char text[64];
    ssize_t length;
    do length = ::read(file.get(), text, sizeof text);
    while (length < 0 && errno == EINTR);
    if (length < 0) throw_system_error(std::string("cannot read ") + kPath, errno);
    std::string id(text, static_cast<std::size_t>(length));
    while (!id.empty() && (id.back() == '\n' || id.back() == ' ')) id.pop_back();
    if (id.empty())
        throw Error(ErrorCode::system, std::string(kPath) + " is empty: jobctl cannot tell this boot");
    return id;
}

}  // namespace jobctl::detail
