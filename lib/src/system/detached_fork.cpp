#include "system/detached_fork.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"

namespace jobctl::detail {

int fork_detached(const std::function<void(int report_fd)>& grandchild, const std::string& what) {
    int report[2];
    if (::pipe2(report, O_CLOEXEC) != 0) throw_system_error("pipe", errno);
    pid_t intermediate = ::fork();
    if (intermediate < 0) {
        int error = errno;
        ::close(report[0]);
        ::close(report[1]);
        throw_system_error("cannot fork " + what, error);
    }
    if (intermediate == 0) {
        ::setsid();
        if (::fork() == 0) grandchild(report[1]);
        ::_exit(0);
    }
    ::close(report[1]);
    while (::waitpid(intermediate, nullptr, 0) < 0 && errno == EINTR) {}
    return report[0];
}

bool read_report(int fd, void* answer, std::size_t size) {
    ssize_t got;
    do got = ::read(fd, answer, size);
    while (got < 0 && errno == EINTR);
    ::close(fd);
    return got == static_cast<ssize_t>(size);
}

}  // namespace jobctl::detail
