#include "thread_jobs/open_file_room.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <filesystem>

#include "jobctl/foreach_job.hpp"

namespace jobctl::detail {

unsigned commands_that_fit(unsigned commands) {
    rlimit limit{};
    if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return commands;
    std::error_code error;
    rlim_t open_now = 0;
    for (std::filesystem::directory_iterator it("/proc/self/fd", error), end; !error && it != end;
         it.increment(error))
        ++open_now;
    const rlim_t besides = std::max<rlim_t>(kOpenFilesBesides, open_now + kOpenFilesBesides / 2);
    const rlim_t need = besides + rlim_t{kOpenFilesPerCommand} * commands;
    if (need <= limit.rlim_cur) return commands;
    if (limit.rlim_max == RLIM_INFINITY || need <= limit.rlim_max) {
        limit.rlim_cur = need;
        if (::setrlimit(RLIMIT_NOFILE, &limit) == 0) return commands;
    }
    // Not all: as many as the hard limit holds (the soft one raised for them).
    rlim_t most = limit.rlim_max == RLIM_INFINITY ? limit.rlim_cur : limit.rlim_max;
    rlim_t fits =
        std::clamp<rlim_t>(most > besides ? (most - besides) / kOpenFilesPerCommand : 0, 1, commands);
    if (rlim_t room = besides + kOpenFilesPerCommand * fits; room > limit.rlim_cur && room <= most) {
        limit.rlim_cur = room;
        (void)::setrlimit(RLIMIT_NOFILE, &limit);
    }
    return static_cast<unsigned>(fits);
}

}  // namespace jobctl::detail
