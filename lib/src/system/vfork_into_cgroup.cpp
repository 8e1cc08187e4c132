#include "system/vfork_into_cgroup.hpp"

#include <sched.h>
#include <signal.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <memory>

#if defined(__x86_64__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define JOBCTL_VFORK_INTO_CGROUP 1

// long jobctl_clone3_run(args, size, child, argument): clone3(args, size);
// in the child, on the stack clone3 set up, child(argument), then exit(127)
// should it return. Returns what the system call returned (a negative
// errno on failure). r8 and r9 survive the system call, and the child
// starts with the caller's registers.
extern "C" long jobctl_clone3_run(void* arguments, unsigned long size, void (*child)(void*), void* argument);
asm(R"(
    .text
    .globl jobctl_clone3_run
    .hidden jobctl_clone3_run
    .type jobctl_clone3_run, @function
jobctl_clone3_run:
    mov %rdx, %r8
    mov %rcx, %r9
    mov $435, %eax
    syscall
    test %rax, %rax
    jnz 1f
    xor %ebp, %ebp
    mov %r9, %rdi
    call *%r8
    mov $60, %eax
    mov $127, %edi
    syscall
    hlt
1:
    ret
    .size jobctl_clone3_run, .-jobctl_clone3_run
)");
#endif

namespace jobctl::detail {
namespace {

// clone3's arguments (linux/sched.h's struct clone_args, a fixed ABI).
struct CloneArguments {
    std::uint64_t flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls, set_tid,
        set_tid_size, cgroup;
};
constexpr std::uint64_t kCloneIntoCgroupFlag = 0x200000000ULL;
constexpr std::size_t kChildStackSize = 64 * 1024;

}  // namespace

pid_t vfork_into_cgroup(int cgroup_fd, void (*child)(void*), void* argument) {
#ifdef JOBCTL_VFORK_INTO_CGROUP
    // One per thread, kept: the thread is suspended while its child runs on it.
    // Not zeroed: the child touches only the pages it uses, and a worker
    // that waits for its command keeps every page touched here (issue 26's
    // memory per waiting job).
    thread_local std::unique_ptr<std::max_align_t[]> stack;
    if (!stack)
        stack =
            std::make_unique_for_overwrite<std::max_align_t[]>(kChildStackSize / sizeof(std::max_align_t));
    CloneArguments arguments{};
    arguments.flags = CLONE_VM | CLONE_VFORK | kCloneIntoCgroupFlag;
    arguments.exit_signal = SIGCHLD;
    arguments.stack = reinterpret_cast<std::uint64_t>(stack.get());
    arguments.stack_size = kChildStackSize;
    arguments.cgroup = static_cast<std::uint64_t>(cgroup_fd);
    long pid = jobctl_clone3_run(&arguments, sizeof arguments, child, argument);
    if (pid < 0) {
        errno = static_cast<int>(-pid);
        return -1;
    }
    return static_cast<pid_t>(pid);
#else
    (void)cgroup_fd;
    (void)child;
    (void)argument;
    errno = ENOSYS;
    return -1;
#endif
}

}  // namespace jobctl::detail
