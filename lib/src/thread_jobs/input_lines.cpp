// input_lines: a foreach's inputs, one per line of a descriptor, in batches
// of what has arrived.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <memory>

#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"

namespace jobctl {
namespace {

class LineReader {
public:
    explicit LineReader(int fd) : fd_(fd) {}

    bool next(std::vector<std::string>& batch, std::size_t max, int stop_fd) {
        const std::size_t before = batch.size();
        if (max == 0) max = 1;
        for (;;) {
            take_lines(batch, before, max);
            if (batch.size() - before >= max) return true;
            if (ended_) {
                if (start_ < pending_.size() && batch.size() - before < max) {
                    batch.push_back(pending_.substr(start_));  // a last line without a newline
                    pending_.clear();
                    start_ = 0;
                }
                return batch.size() > before;
            }
            // Nothing yet: wait for it. Some already: only what is there now.
            pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd, POLLIN, 0}};
            int ready = ::poll(fds, stop_fd >= 0 ? 2 : 1, batch.size() > before ? 0 : -1);
            if (ready < 0) {
                if (errno == EINTR) continue;
                throw_system_error("cannot wait for input", errno);
            }
            if (stop_fd >= 0 && fds[1].revents != 0) {
                batch.resize(before);  // stopped: these are not taken
                return false;
            }
            if (ready == 0) return true;
            read_more();
        }
    }

private:
    // Moves the complete lines read so far into `batch`, up to `max` in all.
    void take_lines(std::vector<std::string>& batch, std::size_t before, std::size_t max) {
        while (batch.size() - before < max) {
            std::size_t end = pending_.find('\n', start_);
            if (end == std::string::npos) break;
            batch.push_back(pending_.substr(start_, end - start_));
            start_ = end + 1;
        }
        if (start_ > 0 && start_ == pending_.size()) {
            pending_.clear();
            start_ = 0;
        }
    }

    void read_more() {
        if (start_ > 0) {  // keep only the unfinished line
            pending_.erase(0, start_);
            start_ = 0;
        }
        char buffer[65536];
        ssize_t length = ::read(fd_, buffer, sizeof buffer);
        if (length > 0) {
            pending_.append(buffer, static_cast<std::size_t>(length));
        } else if (length == 0 || errno == EBADF) {  // a closed stdin is an empty input
            ended_ = true;
        } else if (errno != EINTR && errno != EAGAIN) {
            throw_system_error("cannot read the input", errno);
        }
    }

    const int fd_;
    std::string pending_;    // read, not yet taken: from start_ on
    std::size_t start_ = 0;  // where the next line begins in pending_
    bool ended_ = false;
};

}  // namespace

ForeachInputSource input_lines(int fd) {
    auto reader = std::make_shared<LineReader>(fd);
    return [reader](std::vector<std::string>& batch, std::size_t max, int stop_fd) {
        return reader->next(batch, max, stop_fd);
    };
}

}  // namespace jobctl
