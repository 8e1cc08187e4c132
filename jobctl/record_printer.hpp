#pragma once
// Where received output goes: a job's stdout to stdout, its stderr to
// stderr, result records to stdout as JSON lines; in the log's order.

#include <csignal>
#include <stdexcept>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"

namespace jobctl::cli {

// The reader of stdout or stderr has gone (EPIPE: `jobctl run ... | head -2`).
// One rule for every verb: stop quietly and exit 141 (128 + SIGPIPE), as a
// shell expects of a command whose reader closed early; what was not written
// stays unreceived. Verbs that leave SIGPIPE alone die of it, to the same
// effect; those that must clean up first (run, foreach) ignore it, get this
// instead, clean up, and jobctl_main turns it into kReaderGone.
class ReaderGone : public std::runtime_error {
public:
    ReaderGone() : std::runtime_error("the reader of the output has gone") {}
};
constexpr int kReaderGone = 128 + SIGPIPE;

// Writes records in large blocks: consecutive records of one stream are
// kept until 64 KiB are, the stream changes or flush() is called, so a job
// of short lines costs one write(2) per 64 KiB, not one per line. Each
// writer of output has its own (one thread). What was not flushed is
// dropped, not written, when it goes: flush() before the records are
// marked received (ReceiveOptions::on_delivered), so nothing is lost.
// print and flush throw ReaderGone on EPIPE, Error (system) on any other
// failure.
class RecordPrinter {
public:
    RecordPrinter() = default;
    RecordPrinter(const RecordPrinter&) = delete;
    RecordPrinter& operator=(const RecordPrinter&) = delete;

    // stdout for out and result records (a result is a line of JSON),
    // stderr for the others.
    void print(OutputStream stream, std::string_view bytes);
    void flush();
    // Whether print(stream, bytes of `size`) would write now, not only keep.
    bool would_write(OutputStream stream, std::size_t size) const;
    bool pending() const { return !pending_.empty(); }
    // Whether the last byte written ended a line (true before any).
    bool at_line_start() const { return at_line_start_; }
    // After a job's output, when a full disk cost some of it: one line on stderr,
    // "jobctl: job 3: output truncated: N bytes lost (no space left on device)".
    void print_truncation(const JobInfo& job, std::string_view truncation);

    // For receive_output: print as the sink, flush as on_delivered, and
    // print_truncation as on_truncated.
    OutputSink sink();
    ReceiveOptions following();  // follow, and the three above

private:
    void append(int fd, std::string_view bytes);

    static int fd_of(OutputStream stream);
    void write_out(int fd, std::string_view bytes);

    int fd_ = -1;  // where pending_ goes
    std::string pending_;
    bool at_line_start_ = true;
};

}  // namespace jobctl::cli
