#pragma once
// A double fork: `grandchild` runs in a process of its own session whose
// parent has already exited (so nobody has to reap it), and can send one
// answer back through the write end of a pipe (close-on-exec). The caller
// reaps only the short-lived intermediate child.

#include <sys/types.h>

#include <functional>
#include <string>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {

// Returns the read end of the report pipe, for read_report. `grandchild` gets
// the write end and must not return (exec or _exit). Between fork and exec
// only async-signal-safe calls are allowed if the caller has threads, and no
// destructor runs in the children: what `grandchild` owns (the write end, the
// read end's copy) goes with exec (close-on-exec), close_range or _exit.
FileDescriptor fork_detached(const std::function<void(FileDescriptor report)>& grandchild,
                             const std::string& what);

// Reads exactly `size` bytes of the answer (retrying on EINTR), then closes
// the pipe. False if the grandchild closed it without answering.
bool read_report(FileDescriptor report, void* answer, std::size_t size);

}  // namespace jobctl::detail
