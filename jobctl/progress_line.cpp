#include "progress_line.hpp"

#include <unistd.h>

#include <cstdio>
#include <string>

namespace jobctl::cli {
namespace {

std::string seconds_text(double seconds) {
    char text[32];
    if (seconds < 60)
        std::snprintf(text, sizeof text, "%.1fs", seconds);
    else
        std::snprintf(text, sizeof text, "%dm%02ds", static_cast<int>(seconds) / 60,
                      static_cast<int>(seconds) % 60);
    return text;
}

void write_stderr(const std::string& text) {
    [[maybe_unused]] ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
}

}  // namespace

ProgressLine::ProgressLine(bool enabled, bool more_may_come)
    : enabled_(enabled), more_may_come_(more_may_come) {
    // The first line is drawn when a child ends, or after a second.
    if (enabled_) ticker_ = std::thread([this] { tick(); });
}

void ProgressLine::child_registered() {
    std::lock_guard lock(mutex_);
    ++total_;
}

void ProgressLine::input_ended() {
    std::lock_guard lock(mutex_);
    more_may_come_ = false;
}

ProgressLine::~ProgressLine() {
    if (!enabled_) return;
    {
        std::lock_guard lock(mutex_);
        stop_ = true;
        draw_locked();
        write_stderr("\n");
    }
    stopping_.notify_all();
    ticker_.join();
}

void ProgressLine::child_finished(bool failed) {
    std::lock_guard lock(mutex_);
    ++done_;
    failed_ += failed;
    if (enabled_) draw_locked();
}

void ProgressLine::print_above(const std::function<void()>& print) {
    std::lock_guard lock(mutex_);
    if (enabled_) clear_locked();
    print();
    if (enabled_) draw_locked();
}

void ProgressLine::print_lines_above(const std::function<bool()>& print) {
    std::lock_guard lock(mutex_);
    if (enabled_) clear_locked();
    line_open_ = !print();
    if (enabled_) draw_locked();
}

void ProgressLine::clear_locked() {
    if (!drawn_) return;  // nothing to clear: the cursor may be after an open line
    write_stderr("\r\033[K");
    drawn_ = false;
}

void ProgressLine::draw_locked() {
    if (line_open_) return;
    double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
    std::string line = "\r\033[K[" + std::to_string(done_) + "/" + std::to_string(total_) +
                       (more_may_come_ ? "+" : "") + "] " + std::to_string(failed_) + " failed, " +
                       seconds_text(elapsed) + " elapsed";
    if (done_ > 0 && done_ < total_ && !more_may_come_)
        line += ", ETA " +
                seconds_text(elapsed / static_cast<double>(done_) * static_cast<double>(total_ - done_));
    write_stderr(line);
    drawn_ = true;
}

void ProgressLine::tick() {
    std::unique_lock lock(mutex_);
    while (!stopping_.wait_for(lock, std::chrono::seconds(1), [this] { return stop_; })) draw_locked();
}

}  // namespace jobctl::cli
