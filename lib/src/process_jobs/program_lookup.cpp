#include "process_jobs/program_lookup.hpp"

#include <cstdlib>

#include "jobctl/error.hpp"
#include "system/program_path.hpp"

namespace jobctl::detail {
namespace {

// Where the worker was looked for, said in the error when it is nowhere.
struct WorkerSearch {
    std::optional<std::filesystem::path> found;
    std::string looked;  // "beside this program (/x/jobctl-worker), at ..."
};

WorkerSearch search_worker() {
    WorkerSearch search;
    auto look = [&](const std::string& where, const std::filesystem::path& candidate) {
        if (search.found) return;
        if (is_executable_file(candidate)) search.found = candidate;
        search.looked += (search.looked.empty() ? "" : ", ") + where + " (" + candidate.string() + ")";
    };
    std::error_code error;
    auto self = std::filesystem::read_symlink("/proc/self/exe", error);
    if (!error) look("beside this program", self.parent_path() / "jobctl-worker");
    // Where `cmake --install` put it: see installed_worker.cpp.
    look("where jobctl was installed", jobctl_installed_worker);
    if (search.found) return search;
    const char* path = std::getenv("PATH");
    if (auto on_path = find_program("jobctl-worker", path ? std::optional<std::string>(path) : std::nullopt))
        search.found = std::filesystem::absolute(*on_path, error);
    search.looked += ", on PATH";
    return search;
}

}  // namespace

std::filesystem::path checked_worker(const std::filesystem::path& worker_path) {
    std::filesystem::path worker = worker_path;
    if (worker.empty()) {
        if (const char* configured = std::getenv("JOBCTL_WORKER");
            configured != nullptr && *configured != '\0')
            worker = configured;
    }
    if (worker.empty()) {
        WorkerSearch search = search_worker();
        if (!search.found)
            throw Error(ErrorCode::program_not_found, "cannot find jobctl-worker: looked " + search.looked +
                                                          "; install it there or set JOBCTL_WORKER");
        return *search.found;
    }
    if (!is_executable_file(worker))
        throw Error(ErrorCode::program_not_found,
                    "cannot find jobctl-worker at " + worker.string() + " (set JOBCTL_WORKER)");
    return worker;
}

std::filesystem::path find_worker() {
    if (const char* configured = std::getenv("JOBCTL_WORKER"); configured != nullptr && *configured != '\0')
        return configured;
    return search_worker().found.value_or(jobctl_installed_worker);
}

}  // namespace jobctl::detail
