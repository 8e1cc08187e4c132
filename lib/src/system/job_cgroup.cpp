#include "system/job_cgroup.hpp"

#include <fcntl.h>
#include <linux/magic.h>
#include <poll.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string_view>

namespace jobctl::detail {
namespace {

constexpr const char* kNoteName = "cgroup";
// The note as an attribute of the job's folder where the file system keeps
// user attributes (ext4, xfs, btrfs, tmpfs): no inode to make for each job.
constexpr const char* kNoteAttribute = "user.jobctl.cgroup";

// The cgroup v2 hierarchy's mount point, and this process's own cgroup
// folder in it ("0::/path" in /proc/self/cgroup). Empty where there is none.
struct Hierarchy {
    std::filesystem::path mount;
    std::filesystem::path own;
};

Hierarchy find_hierarchy() {
    Hierarchy found;
    std::ifstream mounts("/proc/self/mountinfo");
    std::string line;
    while (std::getline(mounts, line)) {
        // ID PARENT MAJ:MIN ROOT MOUNT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER
        std::size_t dash = line.find(" - ");
        if (dash == std::string::npos || line.compare(dash + 3, 8, "cgroup2 ") != 0) continue;
        std::istringstream fields(line.substr(0, dash));
        std::string id, parent, device, root, mount;
        fields >> id >> parent >> device >> root >> mount;
        if (root != "/") continue;  // a bind mount of part of it: paths would not match
        found.mount = mount;
        break;
    }
    if (found.mount.empty()) return found;
    std::ifstream own("/proc/self/cgroup");
    while (std::getline(own, line))
        if (line.starts_with("0::/")) found.own = found.mount / line.substr(4);
    return found;
}

bool owned_and_writable(const std::filesystem::path& folder) {
    struct stat status {};
    return ::stat(folder.c_str(), &status) == 0 && S_ISDIR(status.st_mode) && status.st_uid == ::geteuid() &&
           ::access((folder / "cgroup.procs").c_str(), W_OK) == 0;
}

// Where this user may make cgroups: the top (root), or the highest folder
// of its own cgroup that it owns (a delegated subtree). Empty: nowhere.
std::filesystem::path writable_base() {
    Hierarchy hierarchy = find_hierarchy();
    if (hierarchy.mount.empty()) return {};
    if (::access(hierarchy.mount.c_str(), W_OK) == 0) return hierarchy.mount;
    if (hierarchy.own.empty() || !owned_and_writable(hierarchy.own)) return {};
    std::filesystem::path base = hierarchy.own;
    while (base != hierarchy.mount && owned_and_writable(base.parent_path())) base = base.parent_path();
    return base;
}

// FNV-1a: the same key for the same repository from every build.
std::string repository_key(const std::filesystem::path& folder) {
    std::uint64_t hash = 1469598103934665603ULL;
    for (unsigned char c : folder.lexically_normal().string()) hash = (hash ^ c) * 1099511628211ULL;
    char text[17];
    std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
    return text;
}

bool make_folder(const std::filesystem::path& folder) {
    return ::mkdir(folder.c_str(), 0755) == 0 || errno == EEXIST;
}

std::string read_text(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

// What note_in wrote: the attribute, or the file where there was none.
std::string noted_path(const std::filesystem::path& job_folder) {
    char path[PATH_MAX];
    ssize_t size = ::getxattr(job_folder.c_str(), kNoteAttribute, path, sizeof path);
    if (size >= 0) return std::string(path, static_cast<std::size_t>(size));
    return read_text(job_folder / kNoteName);
}

bool write_text(const std::filesystem::path& file, std::string_view text) {
    int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
    if (fd < 0) return false;
    bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
    ::close(fd);
    return written;
}

// The value of `key` in "key value" lines (cgroup.events, cpu.stat).
std::optional<std::uint64_t> keyed_value(const std::string& text, std::string_view key) {
    std::istringstream lines(text);
    std::string name;
    std::uint64_t value = 0;
    while (lines >> name >> value)
        if (name == key) return value;
    return std::nullopt;
}

}  // namespace

bool in_frozen_cgroup(pid_t pid) {
    Hierarchy hierarchy = find_hierarchy();
    if (hierarchy.mount.empty()) return false;
    std::ifstream memberships("/proc/" + std::to_string(pid) + "/cgroup");
    std::string line;
    while (std::getline(memberships, line))
        if (line.starts_with("0::/"))
            return keyed_value(read_text(hierarchy.mount / line.substr(4) / "cgroup.events"), "frozen")
                       .value_or(0) != 0;
    return false;
}

bool cgroups_turned_off() {
    const char* chosen = std::getenv("JOBCTL_CONTAINMENT");
    return chosen != nullptr && std::string_view(chosen) == "session";
}

namespace {

std::string parent_prefix() {
    return "jobctl-" + std::to_string(::geteuid()) + "-";
}

std::string parent_name(const std::filesystem::path& repository_folder) {
    return parent_prefix() + repository_key(repository_folder);
}

// The job's folder, and its parent if need be. The parent may be removed
// by another runner (it was empty) between the two: made again then.
bool make_job_folder(const JobCgroup& cgroup) {
    const std::filesystem::path& folder = cgroup.folder();
    for (int attempt = 0; attempt < 3; ++attempt) {
        if (!make_folder(folder.parent_path())) return false;
        if (::mkdir(folder.c_str(), 0755) == 0) return true;
        // One of the same name left by a worker that died: ended first.
        if (errno == EEXIST && !cgroup.remove()) return false;
        if (errno != EEXIST && errno != ENOENT) return false;
    }
    return false;
}

// Job cgroups that are empty and were made longer ago than this are
// stale: a runner removes its own as soon as it is empty.
constexpr auto kStaleAfter = std::chrono::seconds(30);

bool stale(const std::filesystem::path& folder) {
    struct stat status {};
    if (::stat(folder.c_str(), &status) != 0) return false;
    auto made = std::chrono::system_clock::from_time_t(status.st_mtim.tv_sec);
    return std::chrono::system_clock::now() - made > kStaleAfter && !JobCgroup(folder).populated();
}

// Each folder in `folder` whose name starts with `prefix`.
std::vector<std::filesystem::path> folders_in(const std::filesystem::path& folder, std::string_view prefix) {
    std::vector<std::filesystem::path> found;
    std::error_code error;
    for (const auto& entry : std::filesystem::directory_iterator(folder, error))
        if (entry.is_directory(error) && entry.path().filename().string().starts_with(prefix))
            found.push_back(entry.path());
    return found;
}

// Cgroups a command made inside its own (as root it may): removed before
// it, deepest first. cgroup.kill has killed what was in them.
void remove_nested(const std::filesystem::path& folder) {
    for (const std::filesystem::path& nested : folders_in(folder, "")) {
        remove_nested(nested);
        ::rmdir(nested.c_str());
    }
}

}  // namespace

void remove_repository_cgroups(const std::filesystem::path& repository_folder) {
    std::filesystem::path base = writable_base();
    if (base.empty()) return;
    std::filesystem::path parent = base / parent_name(repository_folder);
    for (const std::filesystem::path& job : folders_in(parent, "job-")) JobCgroup(job).remove();
    ::rmdir(parent.c_str());
}

void sweep_stale_cgroups() {
    std::filesystem::path base = writable_base();
    if (base.empty()) return;
    for (const std::filesystem::path& parent : folders_in(base, parent_prefix())) {
        for (const std::filesystem::path& job : folders_in(parent, "job-"))
            if (stale(job)) ::rmdir(job.c_str());
        ::rmdir(parent.c_str());  // fails while any job's cgroup is in it
    }
}

namespace {

// The controllers `limits` need, as cgroup.controllers names them.
std::vector<std::string> controllers_for(const CgroupLimits& limits) {
    std::vector<std::string> needed;
    if (limits.memory_bytes) needed.push_back("memory");
    if (limits.cpu_micros_per_second) needed.push_back("cpu");
    if (limits.processes) needed.push_back("pids");
    return needed;
}

bool lists(const std::string& controllers, const std::string& name) {
    std::istringstream words(controllers);
    std::string word;
    while (words >> word)
        if (word == name) return true;
    return false;
}

}  // namespace

std::string limits_unavailable(const CgroupLimits& limits) {
    if (!limits.any()) return {};
    if (cgroups_turned_off())
        return "limits need a cgroup for the job, and JOBCTL_CONTAINMENT=session turns them off";
    std::filesystem::path base = writable_base();
    if (base.empty())
        return "limits need a cgroup v2 this user may write (root, or a delegated subtree), and there is "
               "none here";
    std::string offered = read_text(base / "cgroup.controllers");
    while (!offered.empty() && offered.back() == '\n') offered.pop_back();
    for (const std::string& controller : controllers_for(limits))
        if (!lists(offered, controller))
            return "a " +
                   std::string(controller == "pids"  ? "process"
                               : controller == "cpu" ? "CPU"
                                                     : controller) +
                   " limit needs the cgroup v2 " + controller + " controller, which " + base.string() +
                   " does not offer (it offers: " + (offered.empty() ? "none" : offered) + ")";
    return {};
}

std::string JobCgroup::set_limits(const CgroupLimits& limits) const {
    if (!limits.any()) return {};
    std::filesystem::path parent = folder_.parent_path();
    for (const std::string& controller : controllers_for(limits))
        for (const std::filesystem::path& above : {parent.parent_path(), parent})
            if (!lists(read_text(above / "cgroup.subtree_control"), controller) &&
                !write_text(above / "cgroup.subtree_control", "+" + controller))
                return "cannot enable the " + controller + " controller in " + above.string() + ": " +
                       std::strerror(errno);
    auto set = [&](const char* file, const std::string& value) {
        return write_text(folder_ / file, value)
                   ? std::string()
                   : "cannot set " + std::string(file) + ": " + std::strerror(errno);
    };
    std::string problem;
    if (limits.memory_bytes) problem = set("memory.max", std::to_string(*limits.memory_bytes));
    if (problem.empty() && limits.cpu_micros_per_second)
        problem = set("cpu.max", std::to_string(*limits.cpu_micros_per_second) + " 1000000");
    if (problem.empty() && limits.processes) problem = set("pids.max", std::to_string(*limits.processes));
    return problem;
}

bool JobCgroup::out_of_memory() const {
    return keyed_value(read_text(folder_ / "memory.events"), "oom_kill").value_or(0) > 0;
}

bool cgroups_required() {
    const char* chosen = std::getenv("JOBCTL_CONTAINMENT");
    return chosen != nullptr && std::string_view(chosen) == "cgroup";
}

std::string containment_choice_problem() {
    const char* chosen = std::getenv("JOBCTL_CONTAINMENT");
    if (chosen == nullptr || *chosen == '\0' || std::string_view(chosen) == "session") return {};
    if (std::string_view(chosen) != "cgroup")
        return "JOBCTL_CONTAINMENT=" + std::string(chosen) + ": neither 'cgroup' nor 'session'";
    if (writable_base().empty())
        return "JOBCTL_CONTAINMENT=cgroup, but there is no cgroup v2 this user may write (root, or a "
               "delegated "
               "subtree)";
    return {};
}

bool cgroups_available() {
    return !cgroups_turned_off() && !writable_base().empty();
}

std::optional<JobCgroup> JobCgroup::make(const std::filesystem::path& repository_folder,
                                         const std::string& name) {
    if (cgroups_turned_off()) return std::nullopt;
    std::filesystem::path base = writable_base();
    if (base.empty()) return std::nullopt;
    std::filesystem::path parent = base / parent_name(repository_folder);
    JobCgroup cgroup(parent / name);
    if (!make_job_folder(cgroup)) return std::nullopt;
    cgroup.folder_fd_.reset(::open(cgroup.folder_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    cgroup.procs_.reset(::open((cgroup.folder_ / "cgroup.procs").c_str(), O_WRONLY | O_CLOEXEC));
    cgroup.events_.reset(::open((cgroup.folder_ / "cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    // cgroup.kill came with Linux 5.14: without it a stop could not be exact.
    bool usable = cgroup.folder_fd_ && cgroup.procs_ && cgroup.events_ &&
                  ::access((cgroup.folder_ / "cgroup.kill").c_str(), W_OK) == 0;
    if (!usable) {
        ::rmdir(cgroup.folder_.c_str());
        return std::nullopt;
    }
    return cgroup;
}

std::vector<pid_t> JobCgroup::processes() const {
    std::vector<pid_t> pids;
    std::istringstream lines(read_text(folder_ / "cgroup.procs"));
    pid_t pid = 0;
    while (lines >> pid) pids.push_back(pid);
    return pids;
}

void JobCgroup::note_in(const std::filesystem::path& job_folder) const {
    // Best effort: only whoever finds the runner lost needs it. The job's
    // folder (and the spool above it) may not be made yet: as the output log makes them.
    for (const std::filesystem::path& folder : {job_folder.parent_path(), job_folder})
        ::mkdir(folder.c_str(), 0700);
    const std::string& path = folder_.string();
    if (::setxattr(job_folder.c_str(), kNoteAttribute, path.data(), path.size(), 0) != 0)
        std::ofstream(job_folder / kNoteName) << path;
}

void JobCgroup::forget_in(const std::filesystem::path& job_folder) {
    ::removexattr(job_folder.c_str(), kNoteAttribute);
    ::unlink((job_folder / kNoteName).c_str());
    ::rmdir(job_folder.c_str());  // a job with no output had no folder before the note: none after
}

std::optional<JobCgroup> JobCgroup::noted_in(const std::filesystem::path& job_folder) {
    std::string folder = noted_path(job_folder);
    while (!folder.empty() && (folder.back() == '\n' || folder.back() == ' ')) folder.pop_back();
    // Only this job's own cgroup (job-ID in this repository's parent), in a
    // cgroup v2 hierarchy, owned by this user: a damaged note must not make
    // anyone kill another job's processes, or anything else's.
    std::filesystem::path path(folder);
    std::string repository_parent = parent_name(job_folder.parent_path());
    std::string job = "job-" + job_folder.filename().string();
    struct statfs filesystem {};
    if (path.is_relative() || path.filename() != job || path.parent_path().filename() != repository_parent ||
        ::statfs(folder.c_str(), &filesystem) != 0 || filesystem.f_type != CGROUP2_SUPER_MAGIC)
        return std::nullopt;
    struct stat status {};
    if (::stat(folder.c_str(), &status) != 0 || status.st_uid != ::geteuid()) return std::nullopt;
    return JobCgroup(path);
}

// Read through the open descriptor where there is one: reading it is what
// clears the event poll() reported.
std::string JobCgroup::events() const {
    if (!events_) return read_text(folder_ / "cgroup.events");
    char text[256];
    ssize_t got = ::pread(events_.get(), text, sizeof text - 1, 0);
    return got > 0 ? std::string(text, static_cast<std::size_t>(got)) : std::string();
}

bool JobCgroup::populated() const {
    // A cgroup that is gone holds nothing.
    return keyed_value(events(), "populated").value_or(0) != 0;
}

bool JobCgroup::frozen() const {
    return keyed_value(events(), "frozen").value_or(0) != 0;
}

void JobCgroup::freeze(bool frozen) const {
    write_text(folder_ / "cgroup.freeze", frozen ? "1" : "0");
}

void JobCgroup::kill() const {
    write_text(folder_ / "cgroup.kill", "1");
}

CgroupCpu JobCgroup::cpu() const {
    std::string text = read_text(folder_ / "cpu.stat");
    return {std::chrono::microseconds(keyed_value(text, "user_usec").value_or(0)),
            std::chrono::microseconds(keyed_value(text, "system_usec").value_or(0))};
}

std::optional<std::uint64_t> JobCgroup::peak_memory_bytes() const {
    std::string text = read_text(folder_ / "memory.peak");
    if (text.empty()) return std::nullopt;
    return std::strtoull(text.c_str(), nullptr, 10);
}

bool JobCgroup::remove(std::chrono::milliseconds patience) const {
    auto deadline = std::chrono::steady_clock::now() + patience;
    // Most often the job has ended and its cgroup is empty: one rmdir.
    if (::rmdir(folder_.c_str()) == 0) {
        ::rmdir(folder_.parent_path().c_str());  // the repository's parent, once its last job's is gone
        return true;
    }
    if (errno == ENOENT) return true;
    freeze(false);  // a frozen process dies only once thawed
    kill();
    FileDescriptor events(::open((folder_ / "cgroup.events").c_str(), O_RDONLY | O_CLOEXEC));
    while (remove_nested(folder_), ::rmdir(folder_.c_str()) != 0) {
        if (errno == ENOENT) return true;
        auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
        if (errno != EBUSY || !events || left.count() <= 0) return false;
        // Killed processes take a moment to go: woken when populated changes.
        char text[256];
        if (::pread(events.get(), text, sizeof text, 0) < 0) return false;
        pollfd changed{events.get(), POLLPRI, 0};
        ::poll(&changed, 1, static_cast<int>(std::min<std::int64_t>(left.count(), 50)));
    }
    ::rmdir(folder_.parent_path().c_str());  // the repository's parent, once its last job's is gone
    return true;
}

}  // namespace jobctl::detail
