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
    table_of(repository_).notify_change();  // wakes the listener
    thread_.join();
}

void RequestBell::quiet() {
    std::uint64_t rings = 0;
    [[maybe_unused]] ssize_t ignored = ::read(event_.get(), &rings, sizeof rings);
}

void RequestBell::listen() {
    JobTable& table = table_of(repository_);
    try {
        std::uint32_t seen = table.change_count(JobTable::Changes::of_state);
        while (!stopping_) {
            table.wait_for_change(seen, std::chrono::seconds(60), JobTable::Changes::of_state);
            std::uint32_t now = table.change_count(JobTable::Changes::of_state);
            if (now != seen) signal_event(event_.get());
            seen = now;
        }
    } catch (const std::exception&) {  // the table is gone: ring once, the follower finds out
        signal_event(event_.get());
    }
}

}  // namespace jobctl::detail
