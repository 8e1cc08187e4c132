#include "ssh/relay_frames.hpp"

#include <charconv>
#include <cstdint>
#include <vector>

#include "jobctl/error.hpp"

namespace jobctl::detail {
namespace {

constexpr std::size_t kHeaderSize = 16;
// The longest grace a stop may give (a year: `stop --grace` takes at most a day).
constexpr std::uint64_t kMaxStopSeconds = 365ull * 24 * 3600;
// What may come before a marker: after this much without one, the stream
// is taken for the command's own (a wrapper older than the marker).
constexpr std::size_t kMaxBeforeMarker = 64 * 1024;
// A frame is one output record (at most 4 MiB) or a few words.
constexpr std::uint32_t kMaxFrame = 4u << 20;

void put_le(std::string& out, std::uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint64_t get_le(std::string_view in, std::size_t at, int bytes) {
    std::uint64_t value = 0;
    for (int i = 0; i < bytes; ++i) value |= std::uint64_t(static_cast<unsigned char>(in[at + i])) << (8 * i);
    return value;
}

bool is_output_kind(std::uint8_t kind) {
    return kind >= static_cast<std::uint8_t>(OutputStream::out) &&
           kind <= static_cast<std::uint8_t>(OutputStream::info);
}

bool is_control_kind(std::uint8_t kind) {
    return kind >= static_cast<std::uint8_t>(RelayFrameKind::started) &&
           kind <= static_cast<std::uint8_t>(RelayFrameKind::refused);
}

// The next line of `text` from `at` (without its newline); moves `at` past it.
std::optional<std::string_view> next_line(std::string_view text, std::size_t& at) {
    if (at > text.size()) return std::nullopt;
    std::size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    at = end + 1;
    return line;
}

std::optional<int> number_of(std::string_view text) {
    int value = 0;
    auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
    return value;
}

}  // namespace

std::string encode_frame(std::uint8_t kind, std::string_view bytes, std::chrono::nanoseconds time) {
    std::string frame;
    frame.reserve(kHeaderSize + bytes.size());
    put_le(frame, bytes.size(), 4);
    frame.push_back(static_cast<char>(kind));
    frame.append(3, '\0');
    put_le(frame, static_cast<std::uint64_t>(time.count()), 8);
    frame.append(bytes);
    return frame;
}

std::string encode_outcome(const RemoteOutcome& outcome) {
    return std::string(to_string(outcome.state)) + "\n" +
           (outcome.exit_code ? std::to_string(*outcome.exit_code) : "") + "\n" +
           std::to_string(outcome.term_signal) + "\n" + outcome.reason;
}

std::optional<RemoteOutcome> decode_outcome(std::string_view text) {
    std::size_t at = 0;
    auto state_line = next_line(text, at);
    auto exit_line = next_line(text, at);
    auto signal_line = next_line(text, at);
    if (!state_line || !exit_line || !signal_line) return std::nullopt;
    RemoteOutcome outcome;
    auto state = parse_job_state(*state_line);
    auto signal = number_of(*signal_line);
    bool final = state == JobState::completed || state == JobState::failed || state == JobState::stopped;
    if (!state || !signal || !final) return std::nullopt;
    outcome.state = *state;
    outcome.term_signal = *signal;
    if (!exit_line->empty()) {
        outcome.exit_code = number_of(*exit_line);
        if (!outcome.exit_code) return std::nullopt;
    }
    if (at <= text.size()) outcome.reason = std::string(text.substr(at));
    return outcome;
}

// start:NAME:STOP (again:NAME:STOP once a relay answered) or
// follow:ID:SKIP:STOP, STOP the grace in seconds or 0.
std::string encode_request(const RelayRequest& request) {
    std::string stop = request.stop ? std::to_string(request.stop->count()) : "0";
    if (!request.name.empty()) return (request.again ? "again:" : "start:") + request.name + ":" + stop;
    return "follow:" + std::to_string(request.job) + ":" + std::to_string(request.skip) + ":" + stop;
}

std::optional<RelayRequest> decode_request(std::string_view word) {
    std::vector<std::string_view> parts;
    for (std::size_t at = 0;;) {
        std::size_t end = word.find(':', at);
        parts.push_back(word.substr(at, end == std::string_view::npos ? std::string_view::npos : end - at));
        if (end == std::string_view::npos) break;
        at = end + 1;
    }
    auto number = [](std::string_view text) -> std::optional<std::uint64_t> {
        std::uint64_t value = 0;
        auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
        if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
        return value;
    };
    RelayRequest request;
    std::optional<std::uint64_t> stop;
    if (parts.size() == 3 && (parts[0] == "start" || parts[0] == "again") && !parts[1].empty()) {
        request.name = std::string(parts[1]);
        request.again = parts[0] == "again";
        stop = number(parts[2]);
    } else if (parts.size() == 4 && parts[0] == "follow") {
        auto job = number(parts[1]);
        auto skip = number(parts[2]);
        if (!job || *job == 0 || *job > UINT32_MAX || !skip) return std::nullopt;
        request.job = static_cast<JobId>(*job);
        request.skip = *skip;
        stop = number(parts[3]);
    } else {
        return std::nullopt;
    }
    if (!stop || *stop > kMaxStopSeconds) return std::nullopt;
    if (*stop != 0) request.stop = std::chrono::seconds(*stop);
    return request;
}

void RelayDecoder::feed(std::string_view bytes) {
    if (mode_ == RemoteMode::wrapper) {
        if (!bytes.empty()) callbacks_.output(OutputStream::out, bytes);
        return;
    }
    pending_.append(bytes);
    if (mode_ == RemoteMode::unknown) look_for_marker();
    if (mode_ == RemoteMode::relay) read_frames();
}

void RelayDecoder::look_for_marker() {
    std::size_t at = 0;
    while (mode_ == RemoteMode::unknown) {
        std::size_t end = pending_.find('\n', at);
        if (end == std::string::npos) break;
        std::string_view line(pending_.data() + at, end + 1 - at);
        at = end + 1;
        if (line == kWrapperMarker)
            mode_ = RemoteMode::wrapper;
        else if (line == kRelayMarker)
            mode_ = RemoteMode::relay;
        else if (line == kMissingMarker)
            mode_ = RemoteMode::missing;
        else
            callbacks_.output(OutputStream::out, line);  // a login script's, before ours
    }
    if (mode_ != RemoteMode::unknown && callbacks_.mode) callbacks_.mode(mode_);
    pending_.erase(0, at);
    if (mode_ == RemoteMode::unknown && pending_.size() > kMaxBeforeMarker) mode_ = RemoteMode::wrapper;
    if (mode_ == RemoteMode::wrapper && !pending_.empty()) {
        callbacks_.output(OutputStream::out, pending_);
        pending_.clear();
    }
}

void RelayDecoder::read_frames() {
    std::size_t at = 0;
    while (pending_.size() - at >= kHeaderSize) {
        auto length = static_cast<std::uint32_t>(get_le(pending_, at, 4));
        auto kind = static_cast<std::uint8_t>(pending_[at + 4]);
        if (length > kMaxFrame || (!is_output_kind(kind) && !is_control_kind(kind)))
            throw Error(ErrorCode::system, "the remote jobctl sent what is not a frame (kind " +
                                               std::to_string(kind) + ", " + std::to_string(length) +
                                               " bytes)");
        if (pending_.size() - at - kHeaderSize < length) break;
        std::string_view body(pending_.data() + at + kHeaderSize, length);
        if (is_output_kind(kind))
            callbacks_.output(static_cast<OutputStream>(kind), body);
        else
            callbacks_.control(static_cast<RelayFrameKind>(kind), body);
        at += kHeaderSize + length;
    }
    pending_.erase(0, at);
}

void RelayDecoder::finish() {
    if (mode_ == RemoteMode::unknown && !pending_.empty()) callbacks_.output(OutputStream::out, pending_);
    pending_.clear();
}

}  // namespace jobctl::detail
