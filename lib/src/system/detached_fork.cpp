#include "system/detached_fork.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"

namespace jobctl::detail {

FileDescriptor fork_detached(const std::function<void(FileDescriptor report)>& grandchild,
                             const std::string& what) {
    Pipe report = open_pipe();
    pid_t intermediate = ::fork();
    if (intermediate < 0) {
        int error = errno;
        throw_system_error("cannot fork " + what, error);  // the pipe's owners close it
    }
    if (intermediate == 0) {
        // The children leave by _exit (or exec), so `report` is never
        // destroyed here: its descriptors go with the process (or with exec,
        // being close-on-exec) and no other owner's destructor runs.
        ::setsid();
        if (::fork() == 0) {
            // Nothing may unwind into the caller's frames, which this copy
            // of the process shares: whatever escapes ends the grandchild.
            try {
                grandchild(std::move(report.write_end));
            } catch (...) {
                ::_exit(1);
            }
            ::_exit(0);
        }
        ::_exit(0);
    }
    // From here on only the grandchild writes: its exit (or exec) ends the report.
    report.write_end.reset();
    while (::waitpid(intermediate, nullptr, 0) < 0 && errno == EINTR) {
    }
    return std::move(report.read_end);
}

bool read_report(FileDescriptor report, void* answer, std::size_t size) {
    ssize_t got;
    do got = ::read(report.get(), answer, size);
    while (got < 0 && errno == EINTR);
    return got == static_cast<ssize_t>(size);
}

}  // namespace jobctl::detail
