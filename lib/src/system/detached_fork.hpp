#pragma once
// A double fork: `grandchild` runs in a process of its own session whose
// parent has already exited (so nobody has to reap it), and can send one
// answer back through `report_fd` (close-on-exec). The caller reaps only the
// short-lived intermediate child.

#include <sys/types.h>

#include <functional>
#include <string>

namespace jobctl::detail {

// Returns the read end of the report pipe; the caller reads the answer and
// closes it. `grandchild` must not return (exec or _exit). Between fork and
// exec only async-signal-safe calls are allowed if the caller has threads.
int fork_detached(const std::function<void(int report_fd)>& grandchild, const std::string& what);

// Reads exactly `size` bytes of the answer (retrying on EINTR), then closes
// the pipe. False if the grandchild closed it without answering.
bool read_report(int fd, void* answer, std::size_t size);

}  // namespace jobctl::detail
