#pragma once
// The job repository: a fixed table of jobs in shared memory that every
// process of the user can open, backed by a file in the jobctl home so that
// it survives logout and reboot. A Repository is an opaque handle on it;
// everything that reads or changes jobs takes one.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl {

namespace detail {
class JobTable;
struct RepositoryAccess;  // the library's own way in (lib/src/table/repository.cpp)
}  // namespace detail

// Where a repository lives and how full it is (`jobctl repository`).
struct RepositoryInfo {
    std::string name;
    std::filesystem::path table;      // the file every process maps
    std::filesystem::path spool;      // the jobs' output, one folder per job
    std::filesystem::path history;    // a line per ended job (jobctl/job_history.hpp)
    std::uint64_t history_limit = 0;  // its size when rotated; 0: none is kept
    std::uint64_t max_output = 0;     // a process job's output cap by default; 0: none
    std::string filesystem;           // "ext4", "tmpfs", "nfs", ...
    bool local = true;                // false: a network or FUSE filesystem
    std::string note;                 // what the user should know about the place; usually empty
    std::uint32_t capacity = 0;
    std::uint32_t in_use = 0;  // slots holding a job
    std::uint32_t layout_version = 0;
    std::string boot_id;  // the boot the table belongs to
    std::uint32_t reboots_survived = 0;
};

class Repository {
public:
    // Room for years of jobs: finished jobs whose output was received make
    // room for new ones when the table is full. 16384 slots are a 19 MB
    // file, sparse: a new table takes a page of disk, and slots get their
    // blocks (and take memory) as they are first used.
    static constexpr std::uint32_t kDefaultCapacity = 16384;
    static constexpr std::size_t kMaxNameLength = 63;  // bytes of a job name

    // JOBCTL_REPOSITORY, else "default". A name is a repository in the jobctl
    // home ($JOBCTL_HOME, else $XDG_STATE_HOME/jobctl, else
    // ~/.local/state/jobctl); a value with '/' is the path of a table file.
    static std::string default_name();
    // The jobctl home, absolute: $JOBCTL_HOME, else $XDG_STATE_HOME/jobctl,
    // else ~/.local/state/jobctl. The first open makes it (0700).
    static std::filesystem::path home();
    // Whether repository `name` exists (its table file does); nothing is
    // made. Errors: invalid_argument (a bad name).
    static bool exists(const std::string& name);
    // The folder of repository `name` in the home, which holds its table and
    // its jobs' output; made if missing, and checked to be the caller's and
    // closed to others, as an open does. A program keeps there what belongs
    // with the repository (`jobctl schedule` keeps its definitions).
    // Errors: invalid_argument (a bad name, or a table given by path, which
    // has no folder of its own); repository_unusable (a home or folder of
    // another user or open to others); system.
    static std::filesystem::path folder(const std::string& name);
    // Opens (creating if needed) the default repository; JOBCTL_CAPACITY sets
    // the capacity of a repository created by this call. The first open after
    // a reboot ends the jobs that were unfinished ("lost at reboot").
    // Errors: invalid_argument (a bad name or JOBCTL_CAPACITY),
    // repository_unusable (damaged, foreign or incompatible), system.
    static Repository open();
    static Repository open(const std::string& name, std::uint32_t capacity_if_created = kDefaultCapacity);
    // Removes the table and the spool folder of a repository, whatever its
    // jobs' states (`jobctl repository delete` checks first). Processes that
    // still map it keep their mapping; new opens start afresh.
    // Errors: invalid_argument (a bad name).
    static void destroy(const std::string& name);
    // Who is told, once per wait, that this process has waited over a
    // second for a repository's lock, and who holds it (a process stopped
    // with SIGSTOP inside it, say); the waiting goes on. Unset: nobody.
    static void set_slow_lock_notice(std::function<void(const std::string& line)> notice);
    // For a program of several threads that may be stopped by Ctrl-Z: a
    // job-control stop (SIGTSTP, SIGTTIN, SIGTTOU) waits until no thread of
    // the process holds a repository's lock, then stops it as it would have.
    // Installs handlers for those three signals; call once, early (jobctl
    // does). Without it, only the thread holding a lock defers them.
    static void defer_job_control_stops();

    Repository(Repository&&) noexcept;
    Repository& operator=(Repository&&) noexcept;
    ~Repository();

    const std::string& name() const;
    std::uint32_t capacity() const;
    RepositoryInfo describe() const;

    // Lookups: a copy of the job as it is now, or nothing. No liveness check
    // (list_jobs does that); no errors.
    std::optional<JobInfo> find(JobId id) const;
    std::vector<JobInfo> list() const;  // by id

private:
    explicit Repository(std::unique_ptr<detail::JobTable> table);
    static Repository open_table(const std::string& name, const std::function<std::uint32_t()>& capacity);
    friend struct detail::RepositoryAccess;

    std::unique_ptr<detail::JobTable> table_;
};

}  // namespace jobctl
