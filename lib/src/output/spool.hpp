#pragma once
// Where job output lives on disk: <spool root>/<repository>/<job id>/.

#include <filesystem>

namespace jobctl {

// JOBCTL_SPOOL, else $XDG_RUNTIME_DIR/jobctl, else /tmp/jobctl-<uid>.
std::filesystem::path spool_root();

// Creates `directory` and its missing parents below the spool root's parent,
// mode 0700, and checks that each of them (the spool root included) is a real
// directory of this user that no one else can write: not a folder or symlink
// planted by another user in /tmp.
void ensure_spool_directory(const std::filesystem::path& directory);

}  // namespace jobctl
