#include "slurm/follower_registry.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
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

std::filesystem::path FollowerRegistry::posts_file(Repository& repository) {
    return spool_of(repository) / "slurm-follower.posts";
}

void FollowerRegistry::post(JobId id) {
    std::filesystem::path path = posts_file(repository_);
    FileDescriptor file(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    if (!file && errno == EISDIR) {  // a folder in its place: nothing of ours
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
        file.reset(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600));
    }
    std::string line = std::to_string(id) + "\n";
    if (!file || ::write(file.get(), line.data(), line.size()) != static_cast<ssize_t>(line.size()))
        throw_system_error("write " + path.string(), errno);
}

void FollowerRegistry::clear_posts() {
    [[maybe_unused]] int ignored = ::truncate(posts_file(repository_).c_str(), 0);
}

std::vector<JobId> read_posts(Repository& repository, std::uint64_t& offset) {
    std::vector<JobId> ids;
    std::filesystem::path path = FollowerRegistry::posts_file(repository);
    FileDescriptor file(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    struct stat status {};
    if (!file || ::fstat(file.get(), &status) != 0 || !S_ISREG(status.st_mode)) return ids;
    if (static_cast<std::uint64_t>(status.st_size) < offset) offset = 0;
    std::string text(static_cast<std::size_t>(status.st_size) - offset, '\0');
    ssize_t length = ::pread(file.get(), text.data(), text.size(), static_cast<off_t>(offset));
    if (length <= 0) return ids;
    text.resize(static_cast<std::size_t>(length));
    std::size_t taken = text.rfind('\n');
    if (taken == std::string::npos) return ids;  // no whole line yet
    std::string_view lines(text.data(), taken + 1);
    while (!lines.empty()) {
        std::size_t end = lines.find('\n');
        if (auto id = id_named(std::string(lines.substr(0, end)))) ids.push_back(*id);
        lines.remove_prefix(end + 1);
    }
    offset += taken + 1;
    return ids;
}

}  // namespace jobctl::detail
