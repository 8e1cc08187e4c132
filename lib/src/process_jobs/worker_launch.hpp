#pragma once
// Starting a jobctl-worker process: its own session, default signal
// actions, the worker's signals blocked until it reads them, stdin, stdout
// and stderr on /dev/null (stdin kept if asked), no other descriptor.

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "jobctl/repository.hpp"
#include "process_jobs/worker_arguments.hpp"

namespace jobctl::detail {

// The fast way, for a caller that exits right after and has no other thread
// (the jobctl command): this process forks and the child becomes the worker
// itself, with the same start-up state as an exec'd jobctl-worker, running
// `arguments` on `repository` (already mapped). No exec, so no second
// program to load. Returns the worker's pid, or 0 when this process has
// other threads (a fork would copy locks they hold): use start_worker.
// Errors: system (the fork failed).
pid_t fork_worker(Repository& repository, const WorkerArguments& arguments, bool keep_stdin);

// `arguments[0]` is the worker's path. A caller that exits right after
// (`caller_exits_soon`) gets the worker as its direct child (posix_spawn,
// faster); any other caller a detached grandchild (double fork), so that it
// never has a zombie to reap. Returns the worker's pid.
// Errors: system (the fork or spawn failed).
pid_t start_worker(const std::filesystem::path& worker, std::vector<std::string>& arguments,
                   bool caller_exits_soon, bool keep_stdin);

}  // namespace jobctl::detail
