#include "slurm/request_bell.hpp"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "jobctl/error.hpp"
#include "system/event_signal.hpp"
#include "table/job_table.hpp"

namespace jobctl::detail {

RequestBell::RequestBell(Repository& repository)
    : repository_(repository), event_(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) {
    if (!event_) throw_system_error("eventfd", errno);
    thread_ = std::thread([this] { listen(); });
}

RequestBell::~RequestBell() {
    stopping_ = true;
    table_of(repository_).wake_control_watchers_to_look_again();  // wakes the listener
    thread_.join();
}

void RequestBell::quiet() {
    std::uint64_t rings = 0;
    [[maybe_unused]] ssize_t ignored = ::read(event_.get(), &rings, sizeof rings);
}

void RequestBell::listen() {
    JobTable& table = table_of(repository_);
    try {
        // The control-request count, not every change of state: the
        // follower's own writes, and every other job's start and end,
        // would otherwise wake it each time (decision 62).
        std::uint32_t seen = table.control_request_count();
        while (!stopping_) {
            table.wait_for_control_request(seen, std::chrono::seconds(60));
            std::uint32_t now = table.control_request_count();
            if (now != seen) signal_event(event_.get());
            seen = now;
        }
    } catch (const std::exception&) {  // the table is gone: ring once, the follower finds out
        signal_event(event_.get());
    }
}

}  // namespace jobctl::detail
