#pragma once
// foreach's live progress on stderr: "[done/total] N failed, 3.2s elapsed,
// ETA 4s", redrawn in place. Output printed meanwhile goes above it.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <functional>
#include <mutex>
#include <thread>

namespace jobctl::cli {

class ProgressLine {
public:
    // Draws nothing unless `enabled` (stderr is a terminal and not --quiet).
    // With `more_may_come` (inputs still arriving), the total reads "N+" and
    // there is no ETA until input_ended().
    ProgressLine(bool enabled, bool more_may_come);
    ~ProgressLine();  // leaves the final line in place

    void child_registered();  // one more in the total
    void input_ended();
    void child_finished(bool failed);
    // Runs `print` (which writes output) with the line cleared, then redraws it.
    void print_above(const std::function<void()>& print);
    // The same for output that may end mid-line: `print` returns whether
    // what it wrote ended a line. Until output does, the progress line is
    // not drawn (its carriage return would erase the open line).
    void print_lines_above(const std::function<bool()>& print);

private:
    void draw_locked();
    void clear_locked();
    void tick();

    const bool enabled_;
    const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
    std::mutex mutex_;
    std::condition_variable stopping_;
    std::size_t total_ = 0, done_ = 0, failed_ = 0;  // guarded by mutex_
    bool more_may_come_;                             // guarded by mutex_
    bool stop_ = false;                              // guarded by mutex_
    bool drawn_ = false;                             // the line is on screen; guarded by mutex_
    bool line_open_ = false;                         // output ended mid-line; guarded by mutex_
    std::thread ticker_;                             // redraws the elapsed time once a second
};

}  // namespace jobctl::cli
