#pragma once
// GNU parallel's --joblog for `foreach --joblog FILE`: a header line, then a
// tab-separated line per child as it ends, for scripts that already parse
// parallel's:
//   Seq Host Starttime JobRuntime Send Receive Exitval Signal Command
// Seq is the child's input number; Host ":" (this machine); Starttime the
// epoch seconds it began (3 decimals); JobRuntime its seconds (%10.3f);
// Send 0; Receive the bytes it printed on stdout; Exitval its exit code (0
// when a signal killed it; -1 when it did not end by itself, timed out or
// stopped, or has no exit code); Signal the signal that killed it, else
// 0; Command its command text. A child that never started has no line,
// as in parallel (whose --resume then runs it).

#include <cstdint>
#include <filesystem>

#include "jobctl/job.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

class JoblogFile {
public:
    // Creates (or empties) `path` and writes the header line.
    // Errors: invalid_argument (it cannot be written, or is no regular file).
    explicit JoblogFile(const std::filesystem::path& path);

    // The line of `child`, number `seq`, appended in one write; a line that
    // cannot be written (a full disk) is dropped, the run goes on.
    void add(std::size_t seq, const JobInfo& child, std::uint64_t stdout_bytes);

private:
    FileDescriptor file_;
};

// Error(invalid_argument) naming `path` and why, unless a joblog can be
// written there (made if missing, left as it was otherwise).
void check_joblog_writable(const std::filesystem::path& path);

}  // namespace jobctl::detail
