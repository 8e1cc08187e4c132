#include "repository_sleep.hpp"

#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "system/file_descriptor.hpp"

namespace jobctl::test {
namespace {

std::string first_line(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::string line;
    std::getline(in, line);
    return line;
}

// The address of the futex word the thread sleeps on, or 0 if it does not
// sleep in futex(2).
std::uintptr_t futex_word_slept_on(const std::filesystem::path& task) {
    std::string stat = first_line(task / "stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 2 >= stat.size() || stat[close + 2] != 'S') return 0;
    // "NR ARG1 ARG2 ... SP PC" while in a system call, "running" otherwise.
    std::istringstream syscall(first_line(task / "syscall"));
    long number = -1;
    std::string address;
    if (!(syscall >> number >> address) || number != SYS_futex) return 0;
    return static_cast<std::uintptr_t>(std::stoull(address, nullptr, 16));
}

bool inside_mapping_of(pid_t pid, const std::filesystem::path& table, std::uintptr_t address) {
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    for (std::string line; std::getline(maps, line);) {
        // "START-END PERMS OFFSET DEV INODE   PATH"
        auto path_at = line.find('/');
        if (path_at == std::string::npos) continue;
        std::string path = line.substr(path_at);
        if (path != table.string() && path != table.string() + " (deleted)") continue;
        std::uintptr_t start = std::stoull(line, nullptr, 16);
        std::uintptr_t end = std::stoull(line.substr(line.find('-') + 1), nullptr, 16);
        if (address >= start && address < end) return true;
    }
    return false;
}

bool one_asleep(pid_t pid, const std::filesystem::path& table) {
    std::error_code error;
    for (const auto& task :
         std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/task", error)) {
        try {
            std::uintptr_t address = futex_word_slept_on(task.path());
            if (address != 0 && inside_mapping_of(pid, table, address)) return true;
        } catch (const std::exception&) {  // the thread went while we read
        }
    }
    return false;
}

}  // namespace

bool asleep_on_the_repository(pid_t pid, const std::filesystem::path& table, std::chrono::seconds timeout) {
    detail::FileDescriptor pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
    if (!pidfd) return false;
    std::error_code ignored;
    std::filesystem::path mapped = std::filesystem::weakly_canonical(table, ignored);  // as maps shows it
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        if (one_asleep(pid, mapped)) return true;
        pollfd exited{pidfd.get(), POLLIN, 0};
        if (::poll(&exited, 1, 1) > 0) return false;  // it ended (or is a zombie)
    }
    return false;
}

}  // namespace jobctl::test
