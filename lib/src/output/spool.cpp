#include "output/spool.hpp"

#include "table/repository_location.hpp"

namespace jobctl {

void ensure_spool_directory(const std::filesystem::path& directory) {
    detail::ensure_private_directory(directory.parent_path());
    detail::ensure_private_directory(directory);
}

}  // namespace jobctl
