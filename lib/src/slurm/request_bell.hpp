#pragma once
// An eventfd that becomes readable when a stop, suspend or resume was asked
// of a job in the table (by any process), so that a runner that sleeps in
// poll() on other descriptors hears of it at once. A thread sleeps on the
// table's control-request count and rings it.

#include <atomic>
#include <thread>

#include "jobctl/repository.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl::detail {

class RequestBell {
public:
    explicit RequestBell(Repository& repository);
    ~RequestBell();
    RequestBell(const RequestBell&) = delete;
    RequestBell& operator=(const RequestBell&) = delete;

    int fd() const { return event_.get(); }
    void quiet();  // reads the rings so far

private:
    void listen();

    Repository& repository_;
    FileDescriptor event_;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
};

}  // namespace jobctl::detail
