#pragma once
// A job's own cgroup (v2): every process its command starts stays in it,
// whatever process group or session it moves to and however often it
// forks. A stop kills the cgroup at once (cgroup.kill), a suspend freezes
// it (cgroup.freeze), and the job ends when it is empty: "cgroup"
// containment (docs/reliability.md, decision 57).
//
// Made where this user may write a cgroup v2 hierarchy: as root, at its
// top; otherwise in a subtree delegated to the user (the highest folder
// of its own cgroup that it owns). All of one repository's jobs share a
// parent, jobctl-UID-KEY, KEY naming the repository. Where none can be
// had (no cgroup v2, no delegation, JOBCTL_CONTAINMENT=session), the job
// keeps "session" containment: the worker as a child subreaper.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl::detail {

struct CgroupCpu {
    std::chrono::microseconds user{0};
    std::chrono::microseconds system{0};
};

// Limits set on a job's cgroup (memory.max, cpu.max, pids.max).
struct CgroupLimits {
    std::optional<std::uint64_t> memory_bytes;
    std::optional<std::uint64_t> cpu_micros_per_second;  // 500000: half a CPU
    std::optional<std::uint32_t> processes;
    bool any() const { return memory_bytes || cpu_micros_per_second || processes; }
};

// Why `limits` cannot be set on a job's cgroup here; empty if they can.
std::string limits_unavailable(const CgroupLimits& limits);

class JobCgroup {
public:
    // A fresh, empty cgroup `name` for one job of the repository whose
    // files are in `repository_folder`; none where no cgroup can be had.
    static std::optional<JobCgroup> make(const std::filesystem::path& repository_folder,
                                         const std::string& name);
    // One made earlier (by a worker that may have died), to end and remove.
    explicit JobCgroup(std::filesystem::path folder) : folder_(std::move(folder)) {}

    // The note in a job's folder of which cgroup holds its processes: for
    // whoever finds its runner dead, to end them (jobs/liveness.cpp). An
    // attribute of the folder where its file system has them, else a file.
    void note_in(const std::filesystem::path& job_folder) const;
    static void forget_in(const std::filesystem::path& job_folder);
    static std::optional<JobCgroup> noted_in(const std::filesystem::path& job_folder);

    const std::filesystem::path& folder() const { return folder_; }
    // cgroup.procs, open for writing: the command writes "0" to it before
    // exec, so that it is inside before it can fork.
    int procs_fd() const { return procs_.get(); }
    // The cgroup's folder, open: for clone3(CLONE_INTO_CGROUP).
    int folder_fd() const { return folder_fd_.get(); }
    // cgroup.events, for poll(POLLPRI): a change of populated or frozen.
    int events_fd() const { return events_.get(); }

    std::vector<pid_t> processes() const;
    bool populated() const;
    bool frozen() const;
    void freeze(bool frozen) const;
    // SIGKILL to every process in it, at once: none can fork away.
    void kill() const;
    // Sets `limits` (enabling their controllers above it first). Returns why
    // not, or empty.
    std::string set_limits(const CgroupLimits& limits) const;
    // Whether its memory limit made the kernel kill a process of it.
    bool out_of_memory() const;
    CgroupCpu cpu() const;
    std::optional<std::uint64_t> peak_memory_bytes() const;  // memory.peak, where the kernel keeps it
    // Kills what is left, waits for it to empty (up to `patience`) and
    // removes it. False if it could not be removed.
    bool remove(std::chrono::milliseconds patience = std::chrono::seconds(2)) const;

private:
    std::string events() const;

    std::filesystem::path folder_;
    FileDescriptor folder_fd_;
    FileDescriptor procs_;
    FileDescriptor events_;
};

// Kills and removes every job cgroup of the repository whose files are in
// `repository_folder`, and their parent (Repository::destroy).
void remove_repository_cgroups(const std::filesystem::path& repository_folder);

// Removes this user's job cgroups left empty for a while, and parents left
// with none: what runners that died left where nobody found their jobs
// lost. A cgroup in use is never empty for long: its runner removes it
// as soon as it is (decision 57).
void sweep_stale_cgroups();

// Whether process `pid` is in a frozen cgroup (a suspended job's): held
// still, although /proc shows it sleeping rather than stopped.
bool in_frozen_cgroup(pid_t pid);

// "session" when JOBCTL_CONTAINMENT says so; then no cgroup is made.
bool cgroups_turned_off();
// What is wrong with JOBCTL_CONTAINMENT, if anything: a value other than
// "cgroup" or "session", or "cgroup" (a cgroup or nothing) where none can
// be made. Empty if nothing.
std::string containment_choice_problem();
// "cgroup" when JOBCTL_CONTAINMENT says so: a job without one must not run.
bool cgroups_required();
// Whether a job started now would get a cgroup of its own.
bool cgroups_available();

}  // namespace jobctl::detail
