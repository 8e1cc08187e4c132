#pragma once
// Finding the programs a process job needs: the command itself, looked up
// as execvp would, and the jobctl-worker that runs it.

#include <filesystem>
#include <optional>
#include <string>

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

bool is_executable_file(const std::filesystem::path& path);

// Resolves a program as execvp would, with `path` as PATH (none:
// /usr/local/bin:/usr/bin:/bin) and from folder `cwd` (empty: ours): a name
// with '/' as is, else the first executable DIR/program along the path (an
// empty DIR is "."). The result is as found: relative to `cwd` if relative.
std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::optional<std::string>& path,
                                                  const std::filesystem::path& cwd = {});

}  // namespace jobctl::detail
