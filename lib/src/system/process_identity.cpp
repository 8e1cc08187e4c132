#include "system/process_identity.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

#include "jobctl/error.hpp"
#include "system/file_descriptor.hpp"
#include "system/pidfd.hpp"
#include "system/proc_stat.hpp"

namespace jobctl {

using detail::read_stat;

ProcessIdentity ProcessIdentity::self() {
    pid_t pid = ::getpid();
    auto fields = read_stat(pid);
    // Without /proc no one could tell this process from a later one.
    if (!fields) throw Error(ErrorCode::system, "cannot read /proc/self/stat (is /proc mounted?)");
    return {pid, fields->start_time};
}

std::optional<ProcessIdentity> ProcessIdentity::of(pid_t pid) {
    if (pid <= 0) return std::nullopt;
    auto fields = read_stat(pid);
    if (!fields || fields->state == 'Z' || fields->state == 'X') return std::nullopt;
    return ProcessIdentity{pid, fields->start_time};
}

bool ProcessIdentity::alive() const {
    auto current = of(pid);
    return current && current->start_time == start_time;
}

namespace {

// A pidfd that surely names `identity` (checked after opening), or an empty one.
detail::FileDescriptor verified_pidfd(const ProcessIdentity& identity) {
    if (identity.pid <= 0) return {};
    detail::FileDescriptor fd = detail::open_pidfd(identity.pid);
    if (!fd || !identity.alive()) return {};
    return fd;
}

}  // namespace

bool ProcessIdentity::send_signal(int signal) const {
    detail::FileDescriptor fd = verified_pidfd(*this);
    if (!fd) return false;
    return ::syscall(SYS_pidfd_send_signal, fd.get(), signal, nullptr, 0) == 0;
}

bool ProcessIdentity::signal_group(int signal) const {
    detail::FileDescriptor fd = verified_pidfd(*this);
    if (!fd) return false;
    pollfd exited{fd.get(), POLLIN, 0};
    bool leader_running = ::poll(&exited, 1, 0) == 0;  // readable once it has exited
    return leader_running && ::killpg(pid, signal) == 0;
}

}  // namespace jobctl
