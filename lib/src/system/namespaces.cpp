#include "system/namespaces.hpp"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace jobctl::detail {
namespace {

// A cache that a fork invalidates (the child may be in a namespace its
// parent made for it).
struct PerProcess {
    std::atomic<pid_t> pid{0};
    std::atomic<std::uint64_t> value{0};
};

std::uint64_t read_pid_namespace() {
    struct stat status {};
    if (::stat("/proc/self/ns/pid", &status) != 0) return 0;
    return status.st_ino;
}

std::int64_t read_boottime_offset_ticks() {
    std::FILE* offsets = std::fopen("/proc/self/timens_offsets", "re");
    if (offsets == nullptr) return 0;  // a kernel without time namespaces
    char clock[32];
    long long seconds = 0, nanoseconds = 0;
    std::int64_t ticks = 0;
    const long hz = ::sysconf(_SC_CLK_TCK);
    while (std::fscanf(offsets, "%31s %lld %lld", clock, &seconds, &nanoseconds) == 3)
        if (std::string_view(clock) == "boottime" || std::string_view(clock) == "7")
            ticks = seconds * hz + nanoseconds * hz / 1'000'000'000;
    std::fclose(offsets);
    return ticks;
}

template <typename Read>
std::uint64_t per_process(PerProcess& cache, Read read) {
    pid_t self = ::getpid();
    if (cache.pid.load(std::memory_order_acquire) == self) return cache.value.load(std::memory_order_relaxed);
    std::uint64_t value = read();
    cache.value.store(value, std::memory_order_relaxed);
    cache.pid.store(self, std::memory_order_release);
    return value;
}

// The last pid on the NSpid line of /proc/<entry>/status: as the
// process's own namespace numbers it.
pid_t innermost_pid(const char* entry) {
    char path[300];  // a directory entry's name: up to 255 bytes
    std::snprintf(path, sizeof path, "/proc/%s/status", entry);
    std::FILE* status = std::fopen(path, "re");
    if (status == nullptr) return 0;
    char line[256];
    pid_t innermost = 0;
    while (std::fgets(line, sizeof line, status) != nullptr) {
        if (std::strncmp(line, "NSpid:", 6) != 0) continue;
        for (char* cursor = line + 6; *cursor != '\0';) {
            char* end = nullptr;
            long value = std::strtol(cursor, &end, 10);
            if (end == cursor) break;
            innermost = static_cast<pid_t>(value);
            cursor = end;
        }
        break;
    }
    std::fclose(status);
    return innermost;
}

}  // namespace

ProcessSeenHere look_up_here(pid_t pid, std::uint64_t pid_namespace) {
    if (pid <= 0 || pid_namespace == 0) return {};
    if (pid_namespace == own_pid_namespace()) return {pid, true};
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return {};
    ProcessSeenHere seen{0, true};
    while (dirent* entry = ::readdir(proc)) {
        if (entry->d_name[0] < '1' || entry->d_name[0] > '9') continue;
        char path[300];
        std::snprintf(path, sizeof path, "/proc/%s/ns/pid", entry->d_name);
        struct stat status {};
        if (::stat(path, &status) != 0) {
            // A process we may not look at could be the one; but not our
            // namespace's first process, which is of our namespace.
            if (errno != ENOENT && std::strcmp(entry->d_name, "1") != 0) seen.whole_view = false;
            continue;
        }
        if (status.st_ino != pid_namespace) continue;
        if (innermost_pid(entry->d_name) == pid) {
            seen.pid = static_cast<pid_t>(std::atoi(entry->d_name));
            break;
        }
    }
    ::closedir(proc);
    return seen;
}

pid_t pid_seen_here(pid_t pid, std::uint64_t pid_namespace) {
    return look_up_here(pid, pid_namespace).pid;
}

bool in_initial_pid_namespace() {
    constexpr std::uint64_t kInitialPidNamespace = 0xEFFFFFFC;  // PROC_PID_INIT_INO, fixed by the kernel
    return own_pid_namespace() == kInitialPidNamespace;
}

std::uint64_t own_pid_namespace() {
    static PerProcess cache;
    return per_process(cache, read_pid_namespace);
}

bool same_pid_namespace(std::uint64_t pid_namespace) {
    return pid_namespace != 0 && pid_namespace == own_pid_namespace();
}

bool can_judge_pid_namespace(std::uint64_t pid_namespace) {
    return pid_namespace == 0 || pid_namespace == own_pid_namespace();
}

std::int64_t boottime_offset_ticks() {
    static PerProcess cache;
    return static_cast<std::int64_t>(
        per_process(cache, [] { return static_cast<std::uint64_t>(read_boottime_offset_ticks()); }));
}

}  // namespace jobctl::detail
