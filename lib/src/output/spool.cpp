#include "output/spool.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "jobctl/error.hpp"

namespace jobctl {

std::filesystem::path spool_root() {
    if (const char* spool = std::getenv("JOBCTL_SPOOL"); spool != nullptr && *spool != '\0')
        return spool;
    if (const char* runtime = std::getenv("XDG_RUNTIME_DIR"); runtime != nullptr && *runtime == '/')
        return std::filesystem::path(runtime) / "jobctl";
    return "/tmp/jobctl-" + std::to_string(::geteuid());
}

namespace {

void ensure_private_directory(const std::filesystem::path& directory) {
    if (::mkdir(directory.c_str(), 0700) != 0 && errno != EEXIST)
        throw_system_error("cannot create " + directory.string(), errno);
    struct stat status {};
    if (::lstat(directory.c_str(), &status) != 0) throw_system_error("cannot stat " + directory.string(), errno);
    if (!S_ISDIR(status.st_mode) || status.st_uid != ::geteuid() || (status.st_mode & 022) != 0)
        throw Error(ErrorCode::system, directory.string() +
                                           " is not a private directory of this user; refusing to use it");
}

}  // namespace

void ensure_spool_directory(const std::filesystem::path& directory) {
    const std::filesystem::path trusted = spool_root().parent_path();
    auto [below, ignored] = std::mismatch(trusted.begin(), trusted.end(), directory.begin(), directory.end());
    if (below != trusted.end()) return ensure_private_directory(directory);  // a folder outside the spool
    std::filesystem::path partial;
    for (const auto& component : directory) {
        partial /= component;
        auto [end, unused] = std::mismatch(trusted.begin(), trusted.end(), partial.begin(), partial.end());
        if (end != trusted.end() || partial == trusted) continue;  // at or above the trusted parent
        ensure_private_directory(partial);
    }
}

}  // namespace jobctl
