#include "table/mapping_guard.hpp"

#include <signal.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <mutex>

namespace jobctl::detail {
namespace {

// The handler reads this table; only atomics, so it may run at any moment.
struct Guarded {
    std::atomic<std::uintptr_t> begin{0};  // 0: a free entry
    std::atomic<std::uintptr_t> end{0};
    std::atomic<bool> lost{false};
};
constexpr int kEntries = 64;  // repositories one process maps at once
Guarded guarded[kEntries];

struct sigaction previous_action {};
std::once_flag handler_installed;

// Whatever would have happened without us: the previous handler, or the
// default action (restored, and the fault repeats when we return).
void pass_on(int signal, siginfo_t* info, void* context) {
    if ((previous_action.sa_flags & SA_SIGINFO) != 0 && previous_action.sa_sigaction != nullptr) {
        previous_action.sa_sigaction(signal, info, context);
    } else if (previous_action.sa_handler != SIG_DFL && previous_action.sa_handler != SIG_IGN) {
        previous_action.sa_handler(signal);
    } else {
        struct sigaction fallback {};
        fallback.sa_handler = SIG_DFL;
        sigemptyset(&fallback.sa_mask);
        ::sigaction(SIGBUS, &fallback, nullptr);
    }
}

void on_bus_error(int signal, siginfo_t* info, void* context) {
    auto address = reinterpret_cast<std::uintptr_t>(info->si_addr);
    for (Guarded& entry : guarded) {
        std::uintptr_t begin = entry.begin.load(std::memory_order_acquire);
        std::uintptr_t end = entry.end.load(std::memory_order_acquire);
        if (begin == 0 || address < begin || address >= end) continue;
        // mmap is a plain system call: safe in a handler.
        void* zeros = ::mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ | PROT_WRITE,
                             MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
        if (zeros == MAP_FAILED) break;
        entry.lost.store(true, std::memory_order_release);
        return;
    }
    pass_on(signal, info, context);
}

void install_handler() {
    struct sigaction action {};
    action.sa_sigaction = on_bus_error;
    action.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&action.sa_mask);
    ::sigaction(SIGBUS, &action, &previous_action);
}

}  // namespace

MappingGuard::MappingGuard(void* address, std::size_t size) {
    std::call_once(handler_installed, install_handler);
    for (int i = 0; i < kEntries; ++i) {
        std::uintptr_t expected = 0;
        auto begin = reinterpret_cast<std::uintptr_t>(address);
        if (guarded[i].begin.compare_exchange_strong(expected, begin)) {
            guarded[i].lost.store(false);
            guarded[i].end.store(begin + size, std::memory_order_release);
            entry_ = i;
            return;
        }
    }
}

MappingGuard::MappingGuard(MappingGuard&& other) noexcept : entry_(other.entry_) {
    other.entry_ = -1;
}

MappingGuard::~MappingGuard() {
    if (entry_ < 0) return;
    guarded[entry_].end.store(0, std::memory_order_release);
    guarded[entry_].begin.store(0, std::memory_order_release);
}

bool MappingGuard::lost() const {
    return entry_ >= 0 && guarded[entry_].lost.load(std::memory_order_acquire);
}

}  // namespace jobctl::detail
