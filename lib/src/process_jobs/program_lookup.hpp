#pragma once
// Finding the jobctl-worker that runs a process job (the command itself is
// found as execvp would: system/program_path.hpp).

#include <filesystem>

// The installed jobctl-worker (installed_worker.cpp): a C name, so that
// the object `cmake --install` compiles again defines the same symbol.
extern "C" const char jobctl_installed_worker[];

namespace jobctl::detail {

// JOBCTL_WORKER, else jobctl-worker beside the running executable, else
// where the library was installed (the prefix of `cmake --install`), else
// along PATH; the installed path when it is nowhere.
std::filesystem::path find_worker();

// `worker_path`, or find_worker()'s when it is empty, checked to be
// executable. Errors: program_not_found, saying every place it looked.
std::filesystem::path checked_worker(const std::filesystem::path& worker_path);

}  // namespace jobctl::detail
