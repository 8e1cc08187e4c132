#include "tmpfs_mount.hpp"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
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

PrivateDevShm::PrivateDevShm() {
    if (::geteuid() != 0) {
        not_permitted_ = true;
        why_not_ = "a private mount namespace for /dev/shm needs root";
        return;
    }
    original_ = ::open("/proc/self/ns/mnt", O_RDONLY | O_CLOEXEC);
    if (original_ < 0) {
        why_not_ = std::string("open /proc/self/ns/mnt: ") + std::strerror(errno);
        return;
    }
    if (::unshare(CLONE_NEWNS) != 0) {
        not_permitted_ = errno == EPERM;
        why_not_ = std::string("unshare(CLONE_NEWNS): ") + std::strerror(errno) +
                   (errno == EINVAL ? " (the process has threads)" : "");
        return;
    }
    entered_ = true;  // from here on the destructor goes back
    // Nothing mounted from here on may propagate to the original namespace.
    if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
        why_not_ = std::string("mount --make-rprivate /: ") + std::strerror(errno);
        entered_ = false;
        ::setns(original_, CLONE_NEWNS);
        return;
    }
    if (::mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777,size=16m") != 0) {
        why_not_ = std::string("mount -t tmpfs tmpfs /dev/shm: ") + std::strerror(errno);
        entered_ = false;
        ::setns(original_, CLONE_NEWNS);
        return;
    }
    struct stat status {};
    if (::stat("/dev/shm", &status) == 0) device_ = status.st_dev;
}

PrivateDevShm::~PrivateDevShm() {
    if (entered_ && ::setns(original_, CLONE_NEWNS) != 0)
        std::fprintf(stderr, "PrivateDevShm: cannot go back to the original mount namespace: %s\n",
                     std::strerror(errno));
    if (original_ >= 0) ::close(original_);
}

bool PrivateDevShm::still_private() const {
    struct stat status {};
    return entered_ && device_ != 0 && ::stat("/dev/shm", &status) == 0 && status.st_dev == device_;
}

}  // namespace jobctl::test
