#include "system/pidfd.hpp"

#include <sys/syscall.h>
#include <unistd.h>

namespace jobctl::detail {

FileDescriptor open_pidfd(pid_t pid) {
    return FileDescriptor(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
}

}  // namespace jobctl::detail
