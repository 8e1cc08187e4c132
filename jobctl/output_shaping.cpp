#include "output_shaping.hpp"

#include "time_text.hpp"

namespace jobctl::cli {
namespace {

bool is_err(OutputStream stream) {
    return stream == OutputStream::err || stream == OutputStream::info;
}

}  // namespace

OutputShaper::OutputShaper(const OutputShaping& shaping, RecordPrinter& printer)
    : shaping_(shaping), printer_(printer), collecting_(shaping.tail.has_value()) {}

void OutputShaper::take(OutputStream stream, std::string_view bytes, Clock::time_point read) {
    if (shaping_.only && (*shaping_.only == OutputStream::err ? !is_err(stream) : stream != *shaping_.only))
        return;
    if (stream == OutputStream::result) {  // one JSON document: a line of its own
        std::string line =
            shaping_.timestamps ? iso_time(read) + " " + std::string(bytes) : std::string(bytes);
        if (!collecting_) return printer_.print(stream, line);
        tail_.push_back({stream, std::move(line), true});
    } else {
        take_text(stream, bytes, read);
    }
    if (collecting_)
        while (tail_.size() > *shaping_.tail) tail_.pop_front();
}

// Splits text into lines, prefixing each that starts here with the time;
// printed whole when neither needs lines.
void OutputShaper::take_text(OutputStream stream, std::string_view bytes, Clock::time_point read) {
    if (!collecting_ && !shaping_.timestamps) return printer_.print(stream, bytes);
    bool& at_line_start = is_err(stream) ? err_at_line_start_ : out_at_line_start_;
    while (!bytes.empty()) {
        std::size_t end = bytes.find('\n');
        std::size_t length = end == std::string_view::npos ? bytes.size() : end + 1;
        std::string piece;
        if (at_line_start && shaping_.timestamps) piece = iso_time(read) + " ";
        piece.append(bytes.substr(0, length));
        bool complete = end != std::string_view::npos;
        Line* begun = at_line_start ? nullptr : last_line_of(stream);
        if (!collecting_) {
            printer_.print(stream, piece);
        } else if (begun != nullptr && !begun->complete) {
            // The rest of a line begun in an earlier record, even with the other
            // stream's records between: one line, counted once.
            begun->text += piece;
            begun->complete = complete;
        } else {
            tail_.push_back({stream, std::move(piece), complete});
        }
        at_line_start = complete;
        bytes.remove_prefix(length);
    }
}

OutputShaper::Line* OutputShaper::last_line_of(OutputStream stream) {
    for (auto line = tail_.rbegin(); line != tail_.rend(); ++line)
        if (is_err(line->stream) == is_err(stream) && line->stream != OutputStream::result) return &*line;
    return nullptr;
}

void OutputShaper::release_tail() {
    collecting_ = false;
    for (const Line& line : tail_) printer_.print(line.stream, line.text);
    tail_.clear();
    printer_.flush();
}

}  // namespace jobctl::cli
