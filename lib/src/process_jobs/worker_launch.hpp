#pragma once
// Starting a jobctl-worker process: its own session, default signal
// actions, the worker's signals blocked until it reads them, stdin, stdout
// and stderr on /dev/null (stdin kept if asked), no other descriptor.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace jobctl::detail {

// `arguments[0]` is the worker's path. A caller that exits right after
// (`caller_exits_soon`) gets the worker as its direct child (one fork; the
// caller does not wait for the worker's exec); any other caller a detached grandchild (double fork), so that
// it never has a zombie to reap. Returns the worker's pid. Errors: system (the fork failed).
pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin);

}  // namespace jobctl::detail
