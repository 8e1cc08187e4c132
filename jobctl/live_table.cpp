#include "live_table.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <iostream>
#include <sstream>
#include <thread>

#include "jobctl/error.hpp"
#include "jobctl/job_events.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobs_table_printer.hpp"

namespace jobctl::cli {
namespace {

// The first `rows` lines of `text`, each ending in "clear to end of line":
// drawn over the last frame without clearing the screen first, so it does
// not flicker.
std::string frame_of(const std::string& text, unsigned rows) {
    std::string frame = "\x1b[H";  // home
    std::istringstream lines(text);
    std::string line;
    for (unsigned row = 0; row < rows && std::getline(lines, line); ++row) frame += line + "\x1b[K\n";
    return frame + "\x1b[J";  // clear what the last frame had below
}

unsigned terminal_rows() {
    winsize size{};
    if (::ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_row > 1) return size.ws_row - 1;
    return 24;
}

std::string clock_now() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    ::localtime_r(&now, &local);
    char text[32];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

// One frame: the heading and the table of the selected jobs among `jobs`.
std::string frame_text(const Repository& repository, const std::vector<JobInfo>& jobs,
                       const JobSelector& selector, bool color) {
    std::vector<JobInfo> selected;
    try {
        selected = select_among(jobs, selector);
    } catch (const Error& error) {
        if (error.code() != ErrorCode::job_not_found) throw;  // a job named was removed since
    }
    std::ostringstream text;
    text << "jobctl get --watch: repository '" << repository.name() << "', " << selected.size()
         << (selected.size() == 1 ? " job" : " jobs") << ", " << clock_now() << " (Ctrl-C to quit)\n\n";
    if (!selected.empty()) print_job_table(text, selected, color);
    return text.str();
}

}  // namespace

void show_live_table(Repository& repository, const JobSelector& selector, bool color) {
    if (::isatty(STDOUT_FILENO) != 1)
        throw Error(
            ErrorCode::invalid_argument,
            "get --watch redraws a terminal and stdout is not one; use 'jobctl watch' for a stream of "
            "changes, or 'jobctl get' for one table");
    // Every change, output included: HasMoreData is a column.
    JobEventStream events(repository, {.updates = true});
    select_among(events.jobs(), selector);  // an unknown job is an error up front, not an empty table
    // At most this many frames a second: a chatty job changes the table on
    // every chunk of output, faster than anyone can read.
    constexpr auto kFrameInterval = std::chrono::milliseconds(100);
    // At least one a second, so that the heading's clock moves.
    constexpr auto kQuietFrameInterval = std::chrono::seconds(1);
    for (;;) {
        auto drawn = std::chrono::steady_clock::now();
        std::cout << frame_of(frame_text(repository, events.jobs(), selector, color), terminal_rows())
                  << std::flush;
        events.next(deadline_after(kQuietFrameInterval));
        std::this_thread::sleep_until(drawn + kFrameInterval);
    }
}

}  // namespace jobctl::cli
