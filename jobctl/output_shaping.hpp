#pragma once
// What `receive` does to a job's output on its way out: one stream only
// (--stream), each line prefixed with the time it was read (--timestamps),
// only the last N lines (--tail).

#include <chrono>
#include <cstddef>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"
#include "record_printer.hpp"

namespace jobctl::cli {

struct OutputShaping {
    std::optional<OutputStream> only;  // err includes the worker's own notes
    bool timestamps = false;
    std::optional<std::size_t> tail;  // lines
};

class OutputShaper {
public:
    OutputShaper(const OutputShaping& shaping, RecordPrinter& printer);

    // Takes one record: prints it now (through the printer, which may keep
    // it until its flush), or, while a tail is being collected, keeps its
    // lines (the last N of them).
    void take(OutputStream stream, std::string_view bytes, Clock::time_point read);
    // Prints the tail collected, then prints whatever it takes at once.
    void release_tail();

private:
    struct Line {
        OutputStream stream;
        std::string text;  // with its newline, if it has one yet
        bool complete = false;
    };
    void take_text(OutputStream stream, std::string_view bytes, Clock::time_point read);
    // The last line kept of `stream`'s side (stdout, or stderr with the worker's notes), if any.
    Line* last_line_of(OutputStream stream);

    OutputShaping shaping_;
    RecordPrinter& printer_;
    bool collecting_;
    bool out_at_line_start_ = true;
    bool err_at_line_start_ = true;
    std::deque<Line> tail_;
};

}  // namespace jobctl::cli
