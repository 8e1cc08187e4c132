#pragma once
// Follows one output file that Slurm writes (a job's stdout or stderr) and
// copies what is new into the job's log. The log itself records how far
// the copy got, so a follower that takes over from a dead one goes on from
// there: no byte is copied twice or lost.

#include <cstdint>
#include <filesystem>

#include "jobctl/custom_job.hpp"
#include "jobctl/receive.hpp"

namespace jobctl::detail {

class OutputTail {
public:
    OutputTail(std::filesystem::path file, OutputStream stream, std::uint64_t copied)
        : file_(std::move(file)), stream_(stream), copied_(copied) {}

    // Copies what the file holds beyond what was copied. True if it did.
    bool copy_new(CustomJob& job);

private:
    std::filesystem::path file_;
    OutputStream stream_;
    std::uint64_t copied_;  // bytes of the file already in the log
};

// How many bytes of each stream the job's log holds (what earlier
// followers copied). A torn record at the log's end, from a follower killed
// while writing, is cut off first.
struct CopiedBytes {
    std::uint64_t out = 0;
    std::uint64_t err = 0;
};
CopiedBytes copied_bytes(const std::filesystem::path& job_directory, std::uint64_t log_size);

}  // namespace jobctl::detail
