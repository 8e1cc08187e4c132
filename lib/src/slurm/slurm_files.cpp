#include "slurm/slurm_files.hpp"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>

#include "jobctl/error.hpp"
#include "output/spool.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

std::string suffix(std::optional<OutputStream> stream) {
    if (!stream) return ".status";
    return *stream == OutputStream::err ? ".err" : ".out";
}

void make_private_folders(const std::filesystem::path& folder) {
    std::error_code error;
    std::filesystem::create_directories(folder, error);
    if (error) throw_system_error("cannot create " + folder.string(), error.value());
    ::chmod(folder.c_str(), 0700);
}

}  // namespace

std::filesystem::path make_slurm_folder(Repository& repository, JobId id) {
    std::filesystem::path own = table_of(repository).job_directory(id);
    ensure_spool_directory(own);
    const char* shared = std::getenv("JOBCTL_SLURM_SPOOL");
    if (shared == nullptr || *shared == '\0') return own;
    std::filesystem::path folder = std::filesystem::absolute(shared) / repository.name() / std::to_string(id);
    make_private_folders(folder);
    note_outside_folder(own, folder);
    return folder;
}

std::filesystem::path slurm_folder(Repository& repository, JobId id) {
    std::filesystem::path own = table_of(repository).job_directory(id);
    std::filesystem::path outside = outside_folder(own);
    return outside.empty() ? own : outside;
}

std::filesystem::path slurm_file(const std::filesystem::path& folder, std::optional<unsigned> task,
                                 std::optional<OutputStream> stream) {
    std::string base = task ? "slurm-" + std::to_string(*task) : "slurm";
    return folder / (base + suffix(stream));
}

std::string slurm_file_pattern(const std::filesystem::path& folder, std::optional<OutputStream> stream) {
    return (folder / ("slurm-%a" + suffix(stream))).string();
}

}  // namespace jobctl::detail
