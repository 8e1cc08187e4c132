#pragma once
// The man pages jobctl(1) and jobctl-worker(1), generated at build time
// (jobctl-man-pages) from the definitions that --help prints, so that they
// cannot drift from it (docs/decisions/0043-man-pages-from-the-cli.md).

#include <ostream>
#include <span>
#include <string_view>

namespace jobctl::manual {

void write_jobctl_page(std::ostream& out);
void write_worker_page(std::ostream& out);

// A file of a repository, for the FILES section of both pages.
struct RepositoryFile {
    std::string_view path;
    std::string_view meaning;
};
std::span<const RepositoryFile> repository_files();

}  // namespace jobctl::manual
