#include "open_file_room.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <string>

#include "jobctl/error.hpp"

namespace jobctl::cli {
namespace {

// Files open now, inherited ones too (a shell or a CI runner may hand on
// many); they count against the limit as much as the commands' own.
rlim_t open_files_now(int host) {
    std::error_code error;
    rlim_t count = 0;
    std::string folder = host == 0 ? "/proc/self/fd" : "/proc/" + std::to_string(host) + "/fd";
    for (std::filesystem::directory_iterator it(folder, error), end; !error && it != end; it.increment(error))
        ++count;
    return count;
}

}  // namespace

void make_room_for_commands(unsigned commands, int host) {
    rlimit limit{};
    // (prlimit of another process of this user: its own limits, raised as its own would be.)
    if (::prlimit(host, RLIMIT_NOFILE, nullptr, &limit) != 0) return;  // cannot tell: let the system say
    const rlim_t besides = std::max<rlim_t>(kFilesBesides, open_files_now(host) + kFilesBesides / 2);
    rlim_t need = besides + static_cast<rlim_t>(kFilesPerCommand) * commands;
    if (limit.rlim_cur == RLIM_INFINITY || need <= limit.rlim_cur) return;
    if (limit.rlim_max == RLIM_INFINITY || need <= limit.rlim_max) {
        limit.rlim_cur = need;
        if (::prlimit(host, RLIMIT_NOFILE, &limit, nullptr) == 0) return;
    }
    rlim_t most = limit.rlim_max == RLIM_INFINITY ? limit.rlim_cur : limit.rlim_max;
    rlim_t fits = most > besides ? (most - besides) / kFilesPerCommand : 0;
    std::string advice =
        fits > 0 ? "use -j " + std::to_string(fits) + " or less, or raise the limit" : "raise the limit";
    throw Error(ErrorCode::invalid_argument, "-j " + std::to_string(commands) + " needs " +
                                                 std::to_string(need) + " open files; the limit is " +
                                                 std::to_string(most) + " (ulimit -Hn): " + advice);
}

}  // namespace jobctl::cli
