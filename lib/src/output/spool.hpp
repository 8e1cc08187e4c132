#pragma once
// Where job output lives on disk: one folder per job, <spool>/<job id>/,
// below the repository's spool folder (see table/repository_location.hpp).

#include <filesystem>

namespace jobctl {

// Creates a job's folder `directory` and the spool folder above it if
// missing, mode 0700, and checks that both are real folders of this user
// that no one else can write (the repository's own folder was checked when
// it was opened).
void ensure_spool_directory(const std::filesystem::path& directory);

}  // namespace jobctl
