#pragma once
// What every fuzz target shares: a sandbox, so that damaged input can make
// jobctl try anything without harming the machine, and a private jobctl home.

#include <string>

namespace jobctl::fuzz {

// Installs a seccomp filter on this process (and its future threads): no
// exec, no new process (threads only, and the LeakSanitizer's tracer), and no
// signal to any process but this one. A damaged table names random pids as
// owners and process groups; jobctl then checks, watches, stops and sweeps
// them, and the filter turns every such signal into EPERM. The calls fail
// with EPERM (clone3: ENOSYS, so that glibc falls back to clone).
void enter_sandbox();

// enter_sandbox(), except in the outer process of a merge (-merge=1): it
// runs no input, only starts the inner process (which has -merge_inner=1
// and does enter it), and the sandbox would refuse that start. For
// LLVMFuzzerInitialize's arguments.
void enter_sandbox_unless_merging(int* argc, char*** argv);

// Reports what a target found wrong (on the stderr the process started with,
// which libFuzzer's -close_fd_mask leaves to it) and aborts: the fuzzer then
// keeps the input.
[[noreturn]] void fail(const std::string& what);

// A fresh jobctl home under /tmp (JOBCTL_HOME is set to it); removed at exit.
const std::string& fuzz_home();

// Writes `size` bytes to `path` (mode 0600), replacing it.
void write_file(const std::string& path, const void* data, std::size_t size);

}  // namespace jobctl::fuzz
