#include "thread_jobs/host_share.hpp"

#include <algorithm>

namespace jobctl::detail {

HostShare::HostShare(std::vector<std::string> hosts) : hosts_(std::move(hosts)), running_(hosts_.size(), 0) {}

HostShare::Taken::Taken(HostShare& share) : share_(share) {
    std::lock_guard lock(share_.mutex_);
    index_ = static_cast<std::size_t>(std::ranges::min_element(share_.running_) - share_.running_.begin());
    ++share_.running_[index_];
}

HostShare::Taken::~Taken() {
    std::lock_guard lock(share_.mutex_);
    --share_.running_[index_];
}

}  // namespace jobctl::detail
