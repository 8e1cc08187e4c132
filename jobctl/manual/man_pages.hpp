#pragma once
// The man pages jobctl(1) and jobctl-worker(1), generated at build time
// (jobctl-man-pages) from the definitions that --help prints, so that they
// cannot drift from it (docs/decisions/0043-man-pages-from-the-cli.md).

#include <ostream>
#include <span>
#include <string>
#include <string_view>

namespace jobctl::manual {

void write_jobctl_page(std::ostream& out);
// From what `worker` (the jobctl-worker program) says of itself when run
// without a worker's arguments: its synopsis and summary are the worker's
// own. Errors: whatever running it throws; std::runtime_error if it says
// no usage.
void write_worker_page(std::ostream& out, const std::string& worker);

// A file of a repository, for the FILES section of both pages.
struct RepositoryFile {
    std::string_view path;
    std::string_view meaning;
};
std::span<const RepositoryFile> repository_files();

}  // namespace jobctl::manual
