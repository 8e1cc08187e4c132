#pragma once
// One owner for each descriptor: FileDescriptor closes what it holds when it
// goes, exactly once, and never changes errno doing so (so an empty one
// returned by a failed call still tells its caller why).
//
// Between fork and exec (or _exit) in a child, no destructor runs: code there
// uses the raw numbers (get()) and leaves closing to close-on-exec,
// close_range or the exit itself; see detached_fork.cpp.

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace jobctl::detail {

class FileDescriptor {
public:
    FileDescriptor() = default;
    // Takes `fd` over (-1, or any negative value: holds nothing).
    explicit FileDescriptor(int fd) noexcept : fd_(fd < 0 ? -1 : fd) {}
    FileDescriptor(FileDescriptor&& other) noexcept : fd_(other.release()) {}
    FileDescriptor& operator=(FileDescriptor&& other) noexcept {
        reset(other.release());
        return *this;
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    ~FileDescriptor() { reset(); }

    int get() const noexcept { return fd_; }
    explicit operator bool() const noexcept { return fd_ >= 0; }

    // Gives the descriptor up without closing it; the caller owns it now.
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

    // Closes the descriptor held, if any, and takes `fd` over instead.
    void reset(int fd = -1) noexcept {
        int old = std::exchange(fd_, fd < 0 ? -1 : fd);
        if (old < 0) return;
        int saved = errno;
        ::close(old);  // the one close(): its error (EINTR, EIO) is not ours to act on
        errno = saved;
    }

private:
    int fd_ = -1;
};

// Both ends of a pipe.
struct Pipe {
    FileDescriptor read_end;
    FileDescriptor write_end;
};

// A pipe with both ends close-on-exec. Throws the system error if there is none.
Pipe open_pipe();

}  // namespace jobctl::detail
