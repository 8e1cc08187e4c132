#include "table/crash_points.hpp"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace jobctl {
namespace {

std::atomic<testing::CrashHook> installed_hook{nullptr};

// pause_at's settings: written before its hook is installed, read by the hook.
testing::CrashPoint pause_point;
unsigned pause_count = 0;
std::atomic<unsigned> pause_reached{0};
char pause_fifo[4096];
bool pause_holds = false;     // hold_at: block instead of stopping
char release_fifo[4096 + 8];  // hold_at: "<FIFO>.release"

// Runs inside the critical section: only async-signal-safe calls.
void pause_here(testing::CrashPoint point) {
    if (point != pause_point || pause_reached.fetch_add(1) + 1 != pause_count) return;
    int fd = ::open(pause_fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0) {
        char text[16];
        int length = 0;
        char digits[16];
        int count = 0;
        for (unsigned pid = static_cast<unsigned>(::getpid()); pid != 0 || count == 0; pid /= 10)
            digits[count++] = static_cast<char>('0' + pid % 10);
        while (count > 0) text[length++] = digits[--count];
        text[length++] = '\n';
        [[maybe_unused]] ssize_t ignored = ::write(fd, text, static_cast<std::size_t>(length));
        ::close(fd);
    }
    if (!pause_holds) {
        ::raise(SIGSTOP);
        return;
    }
    // Blocks (running, not stopped) until the test writes to the release FIFO.
    int release = ::open(release_fifo, O_RDONLY | O_CLOEXEC);
    if (release < 0) return;
    char byte;
    while (::read(release, &byte, 1) < 0 && errno == EINTR) {
    }
    ::close(release);
}

bool parse_point(std::string_view text, testing::CrashPoint& point) {
    if (text == "lock_acquired") {
        point = testing::CrashPoint::lock_acquired;
    } else if (text == "slot_half_written") {
        point = testing::CrashPoint::slot_half_written;
    } else if (text == "before_unlock") {
        point = testing::CrashPoint::before_unlock;
    } else {
        return false;
    }
    return true;
}

void arm_from(std::string_view setting, bool hold) {
    // PROGRAM:POINT:N:FIFO (the FIFO's path may hold ':' itself)
    std::string_view fields[3];
    for (std::string_view& field : fields) {
        std::size_t colon = setting.find(':');
        if (colon == std::string_view::npos) return;
        field = setting.substr(0, colon);
        setting.remove_prefix(colon + 1);
    }
    if (fields[0] != program_invocation_short_name) return;
    testing::CrashPoint point;
    if (!parse_point(fields[1], point) || setting.empty()) return;
    unsigned count = static_cast<unsigned>(std::strtoul(std::string(fields[2]).c_str(), nullptr, 10));
    if (count == 0) return;
    if (hold)
        testing::hold_at(point, count, std::string(setting).c_str());
    else
        testing::pause_at(point, count, std::string(setting).c_str());
}

}  // namespace

void testing::set_crash_hook(CrashHook hook) {
    installed_hook.store(hook);
}

void testing::hold_at(CrashPoint point, unsigned count, const char* report_fifo) {
    std::strncpy(release_fifo, report_fifo, sizeof release_fifo - 9);
    std::strcat(release_fifo, ".release");
    pause_at(point, count, report_fifo);
    pause_holds = true;
}

void testing::pause_at(CrashPoint point, unsigned count, const char* report_fifo) {
    pause_holds = false;
    pause_point = point;
    pause_count = count;
    pause_reached.store(0);
    std::strncpy(pause_fifo, report_fifo, sizeof pause_fifo - 1);
    set_crash_hook(pause_here);
}

void detail::reach_crash_point(testing::CrashPoint point) {
    if (auto hook = installed_hook.load(std::memory_order_relaxed)) hook(point);
}

void detail::arm_pause_from_environment() {
    static const bool armed = [] {
        if (const char* setting = std::getenv("JOBCTL_TEST_PAUSE"); setting != nullptr && *setting != '\0')
            arm_from(setting, false);
        if (const char* setting = std::getenv("JOBCTL_TEST_HOLD"); setting != nullptr && *setting != '\0')
            arm_from(setting, true);
        return true;
    }();
    (void)armed;
}

}  // namespace jobctl
