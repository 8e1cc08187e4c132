#include "fifo_gate.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace jobctl::test {

FifoGate::FifoGate(std::string path) : path_(std::move(path)) {
    if (::mkfifo(path_.c_str(), 0600) != 0)
        throw std::runtime_error("mkfifo " + path_ + ": " + std::strerror(errno));
    // O_RDWR on a FIFO opens at once (Linux) and keeps the pipe alive.
    fd_ = ::open(path_.c_str(), O_RDWR | O_CLOEXEC);
    if (fd_ < 0) {
        int error = errno;
        ::unlink(path_.c_str());
        throw std::runtime_error("open " + path_ + ": " + std::strerror(error));
    }
}

FifoGate::~FifoGate() {
    ::close(fd_);
    ::unlink(path_.c_str());
}

void FifoGate::release() {
    if (::write(fd_, "go\n", 3) != 3)
        throw std::runtime_error("write " + path_ + ": " + std::strerror(errno));
}

}  // namespace jobctl::test
