#include "table/crash_points.hpp"

#include <atomic>

namespace jobctl {
namespace {
std::atomic<testing::CrashHook> installed_hook{nullptr};
}

void testing::set_crash_hook(CrashHook hook) {
    installed_hook.store(hook);
}

void detail::reach_crash_point(testing::CrashPoint point) {
    if (auto hook = installed_hook.load(std::memory_order_relaxed)) hook(point);
}

}  // namespace jobctl
