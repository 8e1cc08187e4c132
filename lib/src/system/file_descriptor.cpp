#include "system/file_descriptor.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "jobctl/error.hpp"

namespace jobctl::detail {

Pipe open_pipe() {
    int ends[2];
    if (::pipe2(ends, O_CLOEXEC) != 0) throw_system_error("pipe", errno);
    return {FileDescriptor(ends[0]), FileDescriptor(ends[1])};
}

}  // namespace jobctl::detail
