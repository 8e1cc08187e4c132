#include "jobctl/spool.hpp"

#include <sys/stat.h>
#include <unistd.h>

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

void ensure_private_directory(const std::filesystem::path& directory) {
    if (::mkdir(directory.c_str(), 0700) != 0) {
        if (errno == ENOENT && directory.has_parent_path() && directory.parent_path() != directory) {
            ensure_private_directory(directory.parent_path());
            if (::mkdir(directory.c_str(), 0700) == 0 || errno == EEXIST) return ensure_private_directory(directory);
        }
        if (errno != EEXIST) throw_system_error("cannot create " + directory.string(), errno);
    }
    struct stat status {};
    if (::lstat(directory.c_str(), &status) != 0) throw_system_error("cannot stat " + directory.string(), errno);
    if (!S_ISDIR(status.st_mode) || status.st_uid != ::geteuid())
        throw Error(ErrorCode::system,
                    directory.string() + " is not a directory of this user; refusing to use it");
}

}  // namespace jobctl
