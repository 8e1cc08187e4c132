#pragma once
// Finding a program as execvp would: along a PATH, from a folder. Used for
// a job's command (its own PATH, from its own folder) and for the client
// programs the library runs (run_program).

#include <filesystem>
#include <optional>
#include <string>

namespace jobctl::detail {

bool is_executable_file(const std::filesystem::path& path);

// Resolves a program as execvp would, with `path` as PATH (none:
// /usr/local/bin:/usr/bin:/bin) and from folder `cwd` (empty: ours): a name
// with '/' as is, else the first executable DIR/program along the path (an
// empty DIR is "."). The result is as found: relative to `cwd` if relative.
std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::optional<std::string>& path,
                                                  const std::filesystem::path& cwd = {});

}  // namespace jobctl::detail
