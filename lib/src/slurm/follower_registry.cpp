#include "slurm/follower_registry.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <string>

#include "jobctl/error.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {
namespace {

std::filesystem::path spool_of(Repository& repository) {
    return table_of(repository).job_directory(0).parent_path();
}

std::optional<JobId> id_named(const std::string& name) {
    JobId id = 0;
    auto [end, error] = std::from_chars(name.data(), name.data() + name.size(), id);
    if (error != std::errc() || end != name.data() + name.size() || id == 0) return std::nullopt;
    return id;
}

}  // namespace

FollowerRegistry::FollowerRegistry(Repository& repository) : repository_(repository) {
    std::filesystem::path path = spool_of(repository) / "slurm-follower";
    file_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!file_) throw_system_error("open " + path.string(), errno);
    while (::flock(file_.get(), LOCK_EX) != 0)
        if (errno != EINTR) throw_system_error("flock " + path.string(), errno);
}

std::optional<ProcessIdentity> FollowerRegistry::recorded() const {
    char text[96] = {};
    ssize_t length = ::pread(file_.get(), text, sizeof text - 1, 0);
    if (length <= 0) return std::nullopt;
    ProcessIdentity follower;
    unsigned long long start = 0, pid_namespace = 0;
    if (std::sscanf(text, "%d %llu %llu", &follower.pid, &start, &pid_namespace) != 3 || follower.pid <= 0)
        return std::nullopt;  // damaged: as if none were recorded
    follower.start_time = start;
    follower.pid_namespace = pid_namespace;
    return follower;
}

std::optional<ProcessIdentity> FollowerRegistry::running() const {
    // A live process that is not a jobctl-worker (a damaged file naming
    // init, say) would take jobs and never follow them.
    auto follower = recorded();
    if (follower && follower->runs("jobctl-worker")) return follower;
    return std::nullopt;
}

void FollowerRegistry::record(const ProcessIdentity& follower) {
    std::string text = std::to_string(follower.pid) + " " + std::to_string(follower.start_time) + " " +
                       std::to_string(follower.pid_namespace) + "\n";
    if (::ftruncate(file_.get(), 0) != 0 ||
        ::pwrite(file_.get(), text.data(), text.size(), 0) != static_cast<ssize_t>(text.size()))
        throw_system_error("write " + (spool_of(repository_) / "slurm-follower").string(), errno);
}

void FollowerRegistry::clear() {
    [[maybe_unused]] int ignored = ::ftruncate(file_.get(), 0);
}

std::filesystem::path FollowerRegistry::inbox(Repository& repository) {
    return spool_of(repository) / "slurm-inbox";
}

void FollowerRegistry::post(JobId id) {
    std::filesystem::path folder = inbox(repository_);
    std::error_code ignored;
    if (!std::filesystem::is_directory(folder, ignored)) {
        std::filesystem::remove(folder, ignored);  // a file in its place: nothing of ours
        std::filesystem::create_directory(folder, ignored);
    }
    std::filesystem::path post = folder / std::to_string(id);
    FileDescriptor file(::open(post.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600));
    if (!file) throw_system_error("create " + post.string(), errno);
}

std::vector<JobId> take_posts(Repository& repository) {
    std::vector<JobId> ids;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(FollowerRegistry::inbox(repository), error)) {
        if (auto id = id_named(entry.path().filename().string())) ids.push_back(*id);
        std::error_code ignored;
        std::filesystem::remove_all(entry.path(), ignored);  // anything else found there is dropped
    }
    return ids;
}

}  // namespace jobctl::detail
