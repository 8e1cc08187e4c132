#include "output/spool.hpp"

#include <cerrno>
#include <fstream>
#include <string>

#include "jobctl/error.hpp"
#include "table/repository_location.hpp"

namespace jobctl {
namespace {

// Named for its first user; kept so, as jobs made earlier have it.
constexpr const char* kOutsideFolderNote = "slurm-folder";

}  // namespace

void ensure_spool_directory(const std::filesystem::path& directory) {
    detail::ensure_private_directory(directory.parent_path());
    detail::ensure_private_directory(directory);
}

void note_outside_folder(const std::filesystem::path& directory, const std::filesystem::path& outside) {
    std::ofstream note(directory / kOutsideFolderNote);
    note << outside.string() << '\n';
    if (!note.flush()) throw_system_error("cannot write " + (directory / kOutsideFolderNote).string(), errno);
}

std::filesystem::path outside_folder(const std::filesystem::path& directory) {
    std::ifstream note(directory / kOutsideFolderNote);
    std::string folder;
    if (note && std::getline(note, folder) && !folder.empty()) return folder;
    return {};
}

}  // namespace jobctl
