#pragma once
// `start --stdin -` (Start-Job -InputObject): the caller's stdin, read to its
// end into the job's folder before the job starts, so that the caller may
// go at once and the command still gets all of it. The copy goes with the
// folder when the job is removed.

#include <filesystem>
#include <functional>

namespace jobctl::detail {

// Copies stdin into `job_directory`/stdin (creating the folder) and returns
// that file; early, with what was copied, once `stopped` says so (it is
// asked between reads, and every 200 ms while stdin is quiet).
// Errors: system (a failed read or write).
std::filesystem::path spool_stdin(const std::filesystem::path& job_directory,
                                  const std::function<bool()>& stopped);

// The copy spool_stdin made in `job_directory`.
std::filesystem::path spooled_stdin(const std::filesystem::path& job_directory);

}  // namespace jobctl::detail
