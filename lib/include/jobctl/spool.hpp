#pragma once
// Where job output lives on disk: <spool root>/<repository>/<job id>/.

#include <filesystem>

namespace jobctl {

// JOBCTL_SPOOL, else $XDG_RUNTIME_DIR/jobctl, else /tmp/jobctl-<uid>.
std::filesystem::path spool_root();

// Creates `directory` (and missing parents) with mode 0700 and checks that it
// is a real directory of this user, not a symlink planted by someone else.
void ensure_private_directory(const std::filesystem::path& directory);

}  // namespace jobctl
