#include "tmpfs_mount.hpp"

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

namespace jobctl::test {

TmpfsMount::TmpfsMount(std::filesystem::path directory, std::size_t size) : directory_(std::move(directory)) {
    if (::geteuid() != 0) {
        not_permitted_ = true;
        why_not_ = "mounting a tmpfs needs root";
        return;
    }
    std::error_code ignored;
    std::filesystem::create_directories(directory_, ignored);
    std::string options = "size=" + std::to_string(size) + ",mode=0700";
    if (::mount("tmpfs", directory_.c_str(), "tmpfs", MS_NOSUID | MS_NODEV, options.c_str()) != 0) {
        not_permitted_ = errno == EPERM;
        why_not_ =
            "mount -t tmpfs -o " + options + " tmpfs " + directory_.string() + ": " + std::strerror(errno);
        return;
    }
    mounted_ = true;
}

TmpfsMount::~TmpfsMount() {
    if (mounted_) ::umount2(directory_.c_str(), MNT_DETACH);
}

std::filesystem::path TmpfsMount::fill(const std::string& name) const {
    auto path = directory_ / name;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return path;
    std::vector<char> zeros(64 * 1024);
    std::size_t block = zeros.size();
    // Down to single bytes, so that not even a small write fits afterwards.
    while (block > 0) {
        ssize_t written = ::write(fd, zeros.data(), block);
        if (written < 0 && errno == EINTR) continue;
        if (written <= 0) block /= 2;
    }
    ::close(fd);
    return path;
}

}  // namespace jobctl::test
