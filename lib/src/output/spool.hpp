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

// A job may keep files in a folder outside its spool folder (a Slurm job's,
// on a file system its nodes share): a note in its spool folder names that
// folder, so that removing the job removes it too.
// Errors: system (the note cannot be written).
void note_outside_folder(const std::filesystem::path& directory, const std::filesystem::path& outside);
// The folder noted for the job's folder `directory`; empty if none.
std::filesystem::path outside_folder(const std::filesystem::path& directory);

}  // namespace jobctl
