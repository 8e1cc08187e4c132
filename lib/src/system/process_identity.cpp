#include "system/process_identity.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "jobctl/error.hpp"
#include "system/file_descriptor.hpp"
#include "system/namespaces.hpp"
#include "system/pidfd.hpp"
#include "system/proc_stat.hpp"

namespace jobctl {

using detail::read_stat;

namespace {

// Whether a process whose /proc/PID/stat shows `state` still runs. That
// file describes the first thread: dead ('Z', 'X'), it may have called
// pthread_exit while the others go on (the process is gone only with its
// last thread). /proc/PID/task has two links plus one per thread, the
// exited first one included until the whole process ends.
bool still_runs(pid_t pid, char state) {
    if (state != 'Z' && state != 'X') return true;
    struct stat tasks {};
    std::string path = "/proc/" + std::to_string(pid) + "/task";
    return ::stat(path.c_str(), &tasks) == 0 && tasks.st_nlink > 3;
}

}  // namespace

ProcessIdentity ProcessIdentity::self() {
    pid_t pid = ::getpid();
    auto fields = read_stat(pid);
    // Without /proc no one could tell this process from a later one.
    if (!fields) throw Error(ErrorCode::system, "cannot read /proc/self/stat (is /proc mounted?)");
    return {pid, fields->start_time, detail::own_pid_namespace()};
}

std::optional<ProcessIdentity> ProcessIdentity::of(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    auto fields = read_stat(pid);
    if (!fields || !still_runs(pid, fields->state)) return std::nullopt;
    return ProcessIdentity{pid, fields->start_time, detail::own_pid_namespace()};
}

namespace {

// The tick of CLOCK_BOOTTIME now, as field 22 of /proc/PID/stat would show
// a process started now to this process: the kernel divides the start's
// boot time (with this time namespace's offset, as clock_gettime adds it)
// by the length of a tick, rounding down.
std::uint64_t shown_tick_now() {
    static const std::uint64_t tick_ns = 1'000'000'000 / static_cast<std::uint64_t>(::sysconf(_SC_CLK_TCK));
    timespec now{};
    ::clock_gettime(CLOCK_BOOTTIME, &now);
    auto ns =
        static_cast<std::uint64_t>(now.tv_sec) * 1'000'000'000 + static_cast<std::uint64_t>(now.tv_nsec);
    return ns / tick_ns;
}

}  // namespace

ForkStamp::ForkStamp() : before_(shown_tick_now()) {}

std::optional<ProcessIdentity> ForkStamp::child(pid_t pid) const {
    if (pid <= 0 || shown_tick_now() != before_) return ProcessIdentity::of(pid);
    // As read_stat converts what /proc shows.
    auto start =
        std::max<std::int64_t>(static_cast<std::int64_t>(before_) - detail::boottime_offset_ticks(), 1);
    return ProcessIdentity{pid, static_cast<std::uint64_t>(start), detail::own_pid_namespace()};
}

bool ProcessIdentity::alive() const {
    if (pid <= 0) return false;
    if (!detail::can_judge_pid_namespace(pid_namespace)) {
        // Only the initial namespace sees into every other: there, a
        // process found is judged by its start time, and one not found
        // (its container ended, say) is gone. Elsewhere it cannot be judged.
        if (!detail::in_initial_pid_namespace()) return true;
        detail::ProcessSeenHere seen = detail::look_up_here(pid, pid_namespace);
        if (!seen.whole_view) return true;
        if (seen.pid == 0) return false;
        auto fields = read_stat(seen.pid);
        return fields && fields->start_time == start_time && still_runs(seen.pid, fields->state);
    }
    errno = 0;
    auto fields = read_stat(pid);
    if (!fields) {
        // /proc could not tell: this process is out of descriptors (or the
        // system of memory). The process is not taken for gone then, or a
        // waiter at its descriptor limit would mark every job "worker lost"
        // and kill it: it lives while its pid does.
        if (errno == EMFILE || errno == ENFILE || errno == ENOMEM)
            return ::kill(pid, 0) == 0 || errno == EPERM;
        return false;
    }
    return fields->start_time == start_time && still_runs(pid, fields->state);
}

namespace {

// As alive(), but false when /proc cannot tell: before a signal is sent.
bool surely_alive(const ProcessIdentity& identity) {
    auto current = ProcessIdentity::of(identity.pid);
    return current && current->start_time == identity.start_time;
}

}  // namespace

namespace {

// A pidfd that surely names `identity` (checked after opening), or an empty one.
detail::FileDescriptor verified_pidfd(const ProcessIdentity& identity) {
    if (identity.pid <= 0 || identity.start_time == 0 || !detail::same_pid_namespace(identity.pid_namespace))
        return {};
    detail::FileDescriptor fd = detail::open_pidfd(identity.pid);
    if (!fd || !surely_alive(identity)) return {};
    return fd;
}

}  // namespace

namespace {
std::atomic<testing::SignalHook> signal_hook{nullptr};
}  // namespace

void testing::set_signal_hook(SignalHook hook) {
    signal_hook.store(hook);
}

namespace {

bool runs_program(pid_t pid, std::string_view program) {
    char path[64];
    std::snprintf(path, sizeof path, "/proc/%d/comm", static_cast<int>(pid));
    detail::FileDescriptor fd(::open(path, O_RDONLY | O_CLOEXEC));
    char name[32] = {};
    ssize_t length = fd ? ::read(fd.get(), name, sizeof name - 1) : -1;
    if (length <= 0) return false;
    std::string_view comm(name, static_cast<std::size_t>(length));
    if (comm.ends_with('\n')) comm.remove_suffix(1);
    return comm == program.substr(0, 15);  // comm keeps 15 bytes of the name
}

}  // namespace

bool ProcessIdentity::runs(std::string_view program) const {
    if (!alive()) return false;
    if (pid_namespace != 0 && !detail::same_pid_namespace(pid_namespace)) {
        pid_t here = detail::pid_seen_here(pid, pid_namespace);
        return here <= 0 || runs_program(here, program);
    }
    return runs_program(pid, program);
}

bool ProcessIdentity::send_signal(int signal, std::string_view program) const {
    // A process of a namespace below this one (a container's) is signalled
    // under the pid it has here, if it has one.
    ProcessIdentity here = *this;
    if (pid_namespace != 0 && !detail::same_pid_namespace(pid_namespace))
        here = {detail::pid_seen_here(pid, pid_namespace), start_time, detail::own_pid_namespace()};
    detail::FileDescriptor fd = verified_pidfd(here);
    if (!fd || (!program.empty() && !runs_program(here.pid, program))) return false;
    if (testing::SignalHook hook = signal_hook.load()) hook(here.pid, signal);
    return ::syscall(SYS_pidfd_send_signal, fd.get(), signal, nullptr, 0) == 0;
}

}  // namespace jobctl
