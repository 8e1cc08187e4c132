#include "fuzz_sandbox.hpp"

#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace jobctl::fuzz {
namespace {

constexpr std::uint32_t kArgument0Low = offsetof(seccomp_data, args[0]);
constexpr std::uint32_t kArgument0High = offsetof(seccomp_data, args[0]) + 4;

sock_filter statement(std::uint16_t code, std::uint32_t k) {
    return BPF_STMT(code, k);
}
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t if_true, std::uint8_t if_false) {
    return BPF_JUMP(code, k, if_true, if_false);
}

std::uint32_t refuse(int error) {
    return SECCOMP_RET_ERRNO | static_cast<std::uint32_t>(error);
}

// Appends: for syscall `number` (in the accumulator), allow only when argument
// 0 is this process's pid. Any other call jumps past, the number still loaded.
void only_to_self(std::vector<sock_filter>& filter, long number, std::uint32_t pid) {
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(number), 0, 6));
    filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kArgument0High));
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, 0, 0, 2));
    filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kArgument0Low));
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, pid, 1, 0));
    filter.push_back(statement(BPF_RET | BPF_K, refuse(EPERM)));
    filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
}

void refuse_call(std::vector<sock_filter>& filter, long number, int error) {
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(number), 0, 1));
    filter.push_back(statement(BPF_RET | BPF_K, refuse(error)));
}

int report_fd = 2;

char home_path[] = "/tmp/jobctl-fuzz-XXXXXX";

std::string make_home() {
    if (::mkdtemp(home_path) == nullptr) throw std::runtime_error("cannot make a jobctl home for fuzzing");
    ::setenv("JOBCTL_HOME", home_path, 1);
    std::atexit([] {  // after the string's destructor: the path is in plain memory
        std::error_code ignored;
        std::filesystem::remove_all(home_path, ignored);
    });
    return home_path;
}

}  // namespace

void enter_sandbox_unless_merging(int* argc, char*** argv) {
    bool outer_merge = false;
    for (int i = 1; argc != nullptr && argv != nullptr && i < *argc; ++i) {
        std::string_view arg = (*argv)[i];
        if (arg == "-merge=1") outer_merge = true;
        if (arg.starts_with("-merge_inner=")) return enter_sandbox();
    }
    if (!outer_merge) enter_sandbox();
}

void enter_sandbox() {
    report_fd = ::fcntl(2, F_DUPFD_CLOEXEC, 3);  // before libFuzzer closes stderr
    auto pid = static_cast<std::uint32_t>(::getpid());
    std::vector<sock_filter> filter;
    // Another architecture's calls have other numbers: refuse them all.
    filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)));
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0));
    filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS));
    filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)));
    refuse_call(filter, SYS_execve, EPERM);
    refuse_call(filter, SYS_execveat, EPERM);
    refuse_call(filter, SYS_fork, EPERM);
    refuse_call(filter, SYS_vfork, EPERM);
    refuse_call(filter, SYS_clone3, ENOSYS);
    refuse_call(filter, SYS_tkill, EPERM);
    refuse_call(filter, SYS_pidfd_send_signal, EPERM);
    // clone: a thread, or LeakSanitizer's tracer (CLONE_VM without CLONE_VFORK).
    filter.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, SYS_clone, 0, 6));
    filter.push_back(statement(BPF_LD | BPF_W | BPF_ABS, kArgument0Low));
    filter.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_THREAD, 3, 0));
    filter.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_VFORK, 1, 0));
    filter.push_back(jump(BPF_JMP | BPF_JSET | BPF_K, CLONE_VM, 1, 0));
    filter.push_back(statement(BPF_RET | BPF_K, refuse(EPERM)));
    filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    for (long number : {SYS_kill, SYS_tgkill, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo})
        only_to_self(filter, number, pid);
    filter.push_back(statement(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
    sock_fprog program{static_cast<unsigned short>(filter.size()), filter.data()};
    if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 ||
        ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &program) != 0) {
        std::perror("cannot enter the fuzzing sandbox (seccomp)");
        std::abort();
    }
    // Nothing may wait for a terminal either (foreach reads its inputs from stdin).
    int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (null_fd >= 0) {
        ::dup2(null_fd, 0);
        ::close(null_fd);
    }
}

void fail(const std::string& what) {
    std::string line = "fuzz: " + what + "\n";
    [[maybe_unused]] ssize_t ignored = ::write(report_fd, line.data(), line.size());
    std::abort();
}

const std::string& fuzz_home() {
    static const std::string home = make_home();
    return home;
}

void write_file(const std::string& path, const void* data, std::size_t size) {
    // Overwritten in place, then cut: ext4 flushes a file truncated to zero
    // and rewritten when it is closed (auto_da_alloc), which took most of
    // every input's time.
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) throw std::runtime_error("cannot write " + path);
    const char* bytes = static_cast<const char*>(data);
    off_t offset = 0;
    for (std::size_t left = size; left > 0;) {
        ssize_t written = ::pwrite(fd, bytes + offset, left, offset);
        if (written <= 0) break;
        offset += written;
        left -= static_cast<std::size_t>(written);
    }
    [[maybe_unused]] int ignored = ::ftruncate(fd, static_cast<off_t>(size));
    ::close(fd);
}

}  // namespace jobctl::fuzz
