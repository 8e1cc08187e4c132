#pragma once
// pidfds: a descriptor that names one process, not a pid that may be reused.
// It becomes readable (POLLIN) once the process has exited.

#include <sys/types.h>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {

// A pidfd for `pid` (close-on-exec, as every pidfd is), or an empty
// descriptor with errno set for the caller to judge: ESRCH when there is no
// such process, EMFILE/ENFILE when out of descriptors, ENOSYS before Linux 5.3.
// Opening does not check who `pid` is: check that afterwards (see
// ProcessIdentity), and the pidfd then surely names the process checked.
FileDescriptor open_pidfd(pid_t pid);

}  // namespace jobctl::detail
