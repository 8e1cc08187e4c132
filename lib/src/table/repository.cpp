#include "jobctl/repository.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <functional>

#include "jobctl/error.hpp"
#include "system/job_cgroup.hpp"
#include "table/job_table.hpp"
#include "table/segment.hpp"
#include "table/segment_lock.hpp"
#include "table/stop_deferral.hpp"

namespace jobctl {

using detail::JobTable;

std::string Repository::default_name() {
    const char* name = std::getenv("JOBCTL_REPOSITORY");
    if (name != nullptr && *name != '\0') return name;
    return "default";
}

std::filesystem::path Repository::home() {
    std::filesystem::path home = detail::jobctl_home();
    std::error_code error;
    std::filesystem::path absolute = std::filesystem::absolute(home, error);
    return error ? home : absolute.lexically_normal();
}

bool Repository::exists(const std::string& name) {
    std::error_code error;
    return std::filesystem::exists(detail::locate_repository(name, false).table, error);
}

std::filesystem::path Repository::folder(const std::string& name) {
    if (name.find('/') != std::string::npos)
        throw Error(
            ErrorCode::invalid_argument,
            "'" + name + "' is a table given by path: it has no folder of its own in the jobctl home");
    return detail::locate_repository(name, true).table.parent_path();
}

Repository Repository::open_table(const std::string& name, const std::function<std::uint32_t()>& capacity) {
    detail::RepositoryLocation location = detail::locate_repository(name, true);
    auto segment = std::make_unique<detail::Segment>(detail::Segment::open_or_create(location, capacity));
    return Repository(std::make_unique<JobTable>(std::move(location), std::move(segment)));
}

void Repository::set_slow_lock_notice(std::function<void(const std::string& line)> notice) {
    detail::set_slow_lock_notice(std::move(notice));
}

void Repository::defer_job_control_stops() {
    detail::install_stop_deferral();
}

void Repository::destroy(const std::string& name) {
    detail::RepositoryLocation location = detail::locate_repository(name, false);
    std::error_code ignored;
    std::filesystem::remove(location.table, ignored);
    std::filesystem::remove_all(location.spool, ignored);  // with the history of a table given by path
    std::filesystem::remove(location.history, ignored);
    std::filesystem::remove_all(location.history.string() + ".1", ignored);
    detail::remove_repository_cgroups(location.spool);  // and what is left running in them
    // The sockets of its ssh jobs' shared connections (their masters leave
    // by themselves, ten minutes after their last session).
    std::filesystem::remove_all(detail::ssh_control_folder(location), ignored);
    // A repository in the home has a folder of its own; a table given by
    // path lives in someone else's folder.
    if (name.find('/') == std::string::npos) std::filesystem::remove(location.table.parent_path(), ignored);
}

Repository::Repository(std::unique_ptr<JobTable> table) : table_(std::move(table)) {}
Repository::Repository(Repository&&) noexcept = default;
Repository& Repository::operator=(Repository&&) noexcept = default;
Repository::~Repository() = default;

const std::string& Repository::name() const {
    return table_->name();
}
std::uint32_t Repository::capacity() const {
    return table_->capacity();
}
std::optional<JobInfo> Repository::find(JobId id) const {
    return table_->find(id);
}
std::vector<JobInfo> Repository::list() const {
    return table_->list();
}

RepositoryInfo Repository::describe() const {
    const detail::RepositoryLocation& location = table_->location();
    RepositoryInfo info;
    info.name = location.name;
    info.table = location.table;
    info.spool = location.spool;
    info.history = location.history;
    info.history_limit = table_->history_limit();
    info.max_output = table_->default_max_output();
    info.filesystem = location.filesystem;
    info.local = location.local;
    info.note = location.note;
    table_->describe_table(info);
    return info;
}

// The one friend of Repository: only this file defines it, so only
// table_of reaches the table.
struct detail::RepositoryAccess {
    static JobTable& table(const Repository& repository) { return *repository.table_; }
};

JobTable& detail::table_of(const Repository& repository) {
    return RepositoryAccess::table(repository);
}

}  // namespace jobctl
