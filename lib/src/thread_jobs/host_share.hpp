#pragma once
// `foreach --on ssh:A,B`: which host the next child runs on. Each child,
// as it starts, takes the host with the fewest children running now (the
// first of them on a tie) and gives it back when it ends; the pool's
// throttle keeps the total at -j per host.

#include <mutex>
#include <string>
#include <vector>

namespace jobctl::detail {

class HostShare {
public:
    explicit HostShare(std::vector<std::string> hosts);

    // A host taken for one child's run, given back when it goes.
    class Taken {
    public:
        Taken(HostShare& share);
        ~Taken();
        Taken(const Taken&) = delete;
        Taken& operator=(const Taken&) = delete;
        const std::string& host() const { return share_.hosts_[index_]; }

    private:
        HostShare& share_;
        std::size_t index_;
    };

private:
    std::mutex mutex_;
    std::vector<std::string> hosts_;
    std::vector<unsigned> running_;  // children on each host now
};

}  // namespace jobctl::detail
