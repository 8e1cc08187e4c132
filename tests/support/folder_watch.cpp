#include "folder_watch.hpp"

#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

namespace jobctl::test {

bool wait_in_folder(const std::filesystem::path& folder, const std::function<bool()>& done,
                    std::chrono::seconds limit) {
    std::error_code ignored;
    std::filesystem::create_directories(folder, ignored);
    int watch = ::inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    ::inotify_add_watch(watch, folder.c_str(), IN_MODIFY | IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO);
    auto deadline = std::chrono::steady_clock::now() + limit;
    bool found = done();
    while (!found && std::chrono::steady_clock::now() < deadline) {
        pollfd ready{watch, POLLIN, 0};
        ::poll(&ready, 1, 200);  // a bound on each wait: a write before the watch began is looked at again
        char events[4096];
        while (::read(watch, events, sizeof events) > 0) {
        }
        found = done();
    }
    ::close(watch);
    return found;
}

}  // namespace jobctl::test
