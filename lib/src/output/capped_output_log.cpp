#include "output/capped_output_log.hpp"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cinttypes>
#include <cstdio>
#include <limits>
#include <string>
#include <utility>

#include "jobctl/error.hpp"
#include "text/size_text.hpp"

namespace jobctl {
namespace {

// Tail text is gathered into records of up to this much (or of what came
// within kGatherDelay): few headers for a program that writes a byte at a
// time, and little lost with a runner killed before it wrote them.
constexpr std::uint64_t kGatherLimit = 4096;
constexpr const char* kStateFile = "output.cap";

std::string piece_name(std::uint64_t number) {
    return "output.tail." + std::to_string(number);
}

bool is_divisible(OutputStream stream) {
    return stream == OutputStream::out || stream == OutputStream::err;
}

// What an append of one writer took from its caller: the bytes it kept and
// those it dropped for want of space.
struct Taken {
    std::uint64_t size_before;
    std::uint64_t lost_before;

    explicit Taken(const OutputLogWriter& writer)
        : size_before(writer.size()), lost_before(writer.lost_bytes()) {}
    std::uint64_t kept(const OutputLogWriter& writer) const {
        std::uint64_t grown = writer.size() - size_before;
        return grown >= sizeof(OutputRecordHeader) ? grown - sizeof(OutputRecordHeader) : 0;
    }
    std::uint64_t bytes(const OutputLogWriter& writer) const {
        return kept(writer) + (writer.lost_bytes() - lost_before);
    }
};

// output.cap: "CAP HEAD_BYTES DROPPED FIRST_PIECE", in fixed-width fields,
// so that each note overwrites the last whole.
struct TailState {
    std::uint64_t cap = 0;
    std::uint64_t head_bytes = 0;
    std::uint64_t dropped = 0;
    std::uint64_t first_piece = 0;
};

std::optional<TailState> read_state(const std::filesystem::path& directory) {
    std::FILE* file = std::fopen((directory / kStateFile).c_str(), "re");
    if (file == nullptr) return std::nullopt;
    TailState state;
    bool read = std::fscanf(file, "%" SCNu64 " %" SCNu64 " %" SCNu64 " %" SCNu64, &state.cap,
                            &state.head_bytes, &state.dropped, &state.first_piece) == 4;
    std::fclose(file);
    if (!read || state.cap < kMinOutputCap || state.head_bytes > state.cap) return std::nullopt;
    return state;
}

}  // namespace

CappedOutputLog::CappedOutputLog(std::filesystem::path directory, std::uint64_t cap)
    : directory_(std::move(directory)), cap_(cap), log_(directory_) {
    // What the log holds already (an earlier attempt's) is not this cap's.
    if (cap_ != 0) log_.open_if_present();
}

std::uint64_t CappedOutputLog::size() {
    log_.open_if_present();
    return log_.size();
}

bool CappedOutputLog::tail_begun(const std::filesystem::path& directory) {
    std::error_code ignored;
    return std::filesystem::exists(directory / kStateFile, ignored);
}

CappedOutputLog::~CappedOutputLog() {
    // Left early (the runner failed, or close_tail threw): the pieces
    // would only take room.
    for (const Piece& piece : pieces_) ::unlink((directory_ / piece_name(piece.number)).c_str());
    if (state_fd_) ::unlink((directory_ / kStateFile).c_str());
}

std::uint64_t CappedOutputLog::head_room() const {
    return head_full_ ? 0 : cap_ / 2 - std::min(cap_ / 2, head_disk_);
}

// How much of `bytes` the first half takes, given `room` left in it. Once
// a record reaches into the half's last eighth, the half ends at the last
// line's end in it; a record that reaches past the half without one ends
// it at the half, or, if it starts a line and the half is nearly full,
// goes whole to the tail (a program that writes a line at a time). A
// document that does not fit goes to the tail.
std::size_t CappedOutputLog::head_part(OutputStream stream, std::string_view bytes, std::uint64_t room) {
    std::uint64_t framed = bytes.size() + sizeof(OutputRecordHeader);
    if (framed + slack() <= room) return bytes.size();
    if (!is_divisible(stream)) return framed <= room ? bytes.size() : 0;
    std::string_view part = bytes.substr(
        0, static_cast<std::size_t>(std::min<std::uint64_t>(
               bytes.size(), room > sizeof(OutputRecordHeader) ? room - sizeof(OutputRecordHeader) : 0)));
    if (std::size_t line_end = part.rfind('\n'); line_end != std::string_view::npos) {
        head_full_ = line_end + 1 < bytes.size() || framed + slack() > room;
        return line_end + 1;
    }
    if (part.size() == bytes.size()) return part.size();  // fits, and no line ends yet
    std::optional<char> before = log_.last_byte();
    bool at_line_start = head_payload_ == 0 || (before && *before == '\n');
    head_full_ = true;
    return at_line_start && room <= slack() ? 0 : part.size();
}

std::uint64_t CappedOutputLog::append(OutputStream stream, std::string_view bytes) {
    if (cap_ == 0) return log_.append(stream, bytes);
    if (std::uint64_t room = head_room(); room > 0) {
        std::size_t part = head_part(stream, bytes, room);
        if (part > 0) {
            Taken taken(log_);
            log_.append(stream, bytes.substr(0, part));
            head_payload_ += taken.bytes(log_);
            head_disk_ += log_.size() - taken.size_before;
            bytes.remove_prefix(part);
        }
        if (bytes.empty()) return log_.size();
    }
    head_full_ = true;  // from here on, in order, everything goes to the tail
    append_to_tail(stream, bytes);
    return log_.size();
}

// Text is gathered (a record per stream switch or per 4K, not per write:
// the tail's framing stays small); a document is written as it is. Text
// before the last tail_room() bytes, and a little more to find a line's
// start in, is dropped whatever comes next.
void CappedOutputLog::append_to_tail(OutputStream stream, std::string_view bytes) {
    if (!is_divisible(stream)) {
        flush_gathered();
        write_to_pieces(stream, bytes);
        return;
    }
    if (stream != gathered_stream_) flush_gathered();
    gathered_stream_ = stream;
    if (gathered_.empty()) gathered_since_ = std::chrono::steady_clock::now();
    std::uint64_t keep = tail_room() + slack();
    if (bytes.size() > keep) {
        dropped_so_far_ += gathered_.size() + (bytes.size() - keep);
        gathered_.clear();
        bytes.remove_prefix(static_cast<std::size_t>(bytes.size() - keep));
    }
    gathered_.append(bytes);
    if (gathered_.size() >= kGatherLimit) flush_gathered();
}

std::optional<std::chrono::steady_clock::time_point> CappedOutputLog::gathered_due() const {
    if (gathered_.empty()) return std::nullopt;
    return gathered_since_ + kGatherDelay;
}

void CappedOutputLog::flush_gathered() {
    if (gathered_.empty()) return;
    std::string text = std::exchange(gathered_, {});  // out of the note before it is written
    write_to_pieces(gathered_stream_, text);
}

// Text is split at the pieces' size; a document stays whole.
void CappedOutputLog::write_to_pieces(OutputStream stream, std::string_view bytes) {
    while (!bytes.empty()) {
        Piece& piece = piece_with_room();
        std::size_t part =
            is_divisible(stream)
                ? static_cast<std::size_t>(std::min<std::uint64_t>(bytes.size(), piece_size() - piece.bytes))
                : bytes.size();
        Taken taken(*piece.writer);
        piece.writer->append(stream, bytes.substr(0, part));
        piece.bytes += taken.bytes(*piece.writer);
        in_pieces_ += taken.kept(*piece.writer);
        bytes.remove_prefix(part);
        trim_pieces();
    }
    note_state();
}

std::optional<std::uint64_t> CappedOutputLog::append_from_pipe(OutputStream stream, int pipe_fd) {
    if (cap_ == 0) return log_.append_from_pipe(stream, pipe_fd);
    int available = 0;
    if (::ioctl(pipe_fd, FIONREAD, &available) != 0 || available <= 0) return std::nullopt;
    auto held = static_cast<std::uint64_t>(available);
    if (std::uint64_t room = head_room(); room > 0) {
        // Near the half's end, the bytes are read (a copy, for an eighth of
        // the cap at most) to end it at a line's end.
        if (held + sizeof(OutputRecordHeader) + slack() > room) return read_and_append(stream, pipe_fd, held);
        Taken taken(log_);
        std::optional<std::uint64_t> size =
            log_.append_from_pipe(stream, pipe_fd, static_cast<std::uint32_t>(held));
        head_payload_ += taken.bytes(log_);
        head_disk_ += log_.size() - taken.size_before;
        return size;
    }
    if (held < kGatherLimit) return read_and_append(stream, pipe_fd, held);
    // Much at once: straight into a piece (splice), what lies before the
    // last tail_room() bytes and a little more never reaching the disk.
    flush_gathered();
    if (std::uint64_t keep = tail_room() + slack(); held > keep) {
        drop_from_pipe(pipe_fd, held - keep);
        held = keep;
    }
    Piece& piece = piece_with_room();
    std::uint64_t most = std::min({held, piece_size() - piece.bytes, std::uint64_t{kMaxRecordLength}});
    Taken taken(*piece.writer);
    piece.writer->append_from_pipe(stream, pipe_fd, static_cast<std::uint32_t>(most));
    piece.bytes += taken.bytes(*piece.writer);
    in_pieces_ += taken.kept(*piece.writer);
    trim_pieces();
    note_state();
    return log_.size();
}

std::uint64_t CappedOutputLog::read_and_append(OutputStream stream, int pipe_fd, std::uint64_t held) {
    reading_.resize(static_cast<std::size_t>(std::min<std::uint64_t>(held, kMaxRecordLength)));
    ssize_t got;
    do {
        got = ::read(pipe_fd, reading_.data(), reading_.size());
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw_system_error("cannot read the output pipe", errno);
    return append(stream, std::string_view(reading_.data(), static_cast<std::size_t>(got)));
}

void CappedOutputLog::drop_from_pipe(int pipe_fd, std::uint64_t count) {
    if (!null_fd_) {
        null_fd_.reset(::open("/dev/null", O_WRONLY | O_CLOEXEC));
        if (!null_fd_) throw_system_error("cannot open /dev/null", errno);
    }
    while (count > 0) {
        ssize_t got = ::splice(pipe_fd, nullptr, null_fd_.get(), nullptr, static_cast<std::size_t>(count), 0);
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) throw_system_error("cannot drain the output pipe", got < 0 ? errno : EIO);
        count -= static_cast<std::uint64_t>(got);
        dropped_so_far_ += static_cast<std::uint64_t>(got);
    }
}

CappedOutputLog::Piece& CappedOutputLog::piece_with_room() {
    if (pieces_.empty() || pieces_.back().bytes >= piece_size()) {
        std::uint64_t number = next_piece_++;
        pieces_.push_back({number, std::make_unique<OutputLogWriter>(directory_, piece_name(number))});
        note_state();  // before the piece has a byte: no piece is ever left without it
    }
    return pieces_.back();
}

// The oldest piece goes once the newer ones hold the rest of the cap.
void CappedOutputLog::trim_pieces() {
    while (pieces_.size() > 1) {
        const Piece& oldest = pieces_.front();
        std::uint64_t held = oldest.bytes - oldest.writer->lost_bytes();
        if (in_pieces_ - held < tail_room() + slack()) return;  // the rest, and a line's start in it
        delete_piece(oldest);
        pieces_.pop_front();
    }
}

void CappedOutputLog::delete_piece(const Piece& piece) {
    std::uint64_t lost = piece.writer->lost_bytes();
    std::uint64_t held = piece.bytes - lost;
    dropped_so_far_ += held;
    in_pieces_ -= held;
    lost_in_pieces_ += lost;
    if (lost > 0) piece_loss_error_ = piece.writer->loss_error();
    std::filesystem::path path = directory_ / piece_name(piece.number);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw_system_error("cannot delete " + path.string(), errno);
}

// For close_left_tail: overwritten whole, in place (a few bytes: no room
// is needed once the file has them).
void CappedOutputLog::note_state() {
    if (!state_fd_) {
        std::filesystem::path path = directory_ / kStateFile;
        state_fd_.reset(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
        if (!state_fd_) return;  // a full disk: a runner that dies too loses its tail
    }
    char text[96];
    int length =
        std::snprintf(text, sizeof text, "%20" PRIu64 " %20" PRIu64 " %20" PRIu64 " %20" PRIu64 "\n", cap_,
                      head_payload_, dropped_so_far_ + gathered_.size(),  // lost with us, if we die
                      pieces_.empty() ? next_piece_ : pieces_.front().number);
    (void)!::pwrite(state_fd_.get(), text, static_cast<std::size_t>(length), 0);
}

// Every record in the pieces, in order.
void CappedOutputLog::for_each_record(const std::function<void(OutputStream, std::string_view)>& visit) {
    for (const Piece& piece : pieces_)
        OutputLogReader(directory_, piece_name(piece.number))
            .read(0, std::numeric_limits<std::uint64_t>::max(), visit);
}

// Where the kept part starts, for a cut at byte `cut` of the output in the
// pieces: just after a line's end near it (a document's start counts as a
// line's), else the cut itself.
std::uint64_t CappedOutputLog::line_start_from(std::uint64_t cut) {
    std::uint64_t offset = 0;
    std::optional<std::uint64_t> found;
    for_each_record([&](OutputStream stream, std::string_view bytes) {
        std::uint64_t start = offset;
        offset += bytes.size();
        if (found || offset <= cut || start > cut + slack()) return;
        if (!is_divisible(stream)) {
            if (start >= cut) found = start;
            return;
        }
        std::uint64_t from = cut > start ? cut - start : 0;
        std::size_t line_end = bytes.find('\n', static_cast<std::size_t>(from));
        if (line_end != std::string_view::npos && start + line_end + 1 <= cut + slack())
            found = start + line_end + 1;
    });
    return found.value_or(cut);
}

// Calls `visit` with what is kept of each record in the pieces once their
// first `skip` bytes are left out: a text record is cut, a document is
// whole or nothing.
void CappedOutputLog::for_each_kept(std::uint64_t skip,
                                    const std::function<void(OutputStream, std::string_view)>& visit) {
    for_each_record([&](OutputStream stream, std::string_view bytes) {
        if (skip >= bytes.size()) {
            skip -= bytes.size();
            return;
        }
        bool cut = skip > 0;
        bytes.remove_prefix(static_cast<std::size_t>(skip));
        skip = 0;
        if (!cut || is_divisible(stream)) visit(stream, bytes);
    });
}

std::uint64_t CappedOutputLog::close_tail() {
    if (cap_ == 0 || !head_full_) return log_.size();
    flush_gathered();
    std::uint64_t in_pieces = 0;
    for_each_record([&](OutputStream, std::string_view bytes) { in_pieces += bytes.size(); });
    std::uint64_t skip = in_pieces > tail_room() ? line_start_from(in_pieces - tail_room()) : 0;
    std::uint64_t kept = 0;
    for_each_kept(skip, [&](OutputStream, std::string_view bytes) { kept += bytes.size(); });
    dropped_ = dropped_so_far_ + (in_pieces - kept);
    if (dropped_ > 0)
        log_.append(OutputStream::info, "jobctl: output capped at " + detail::size_text(cap_) + ": " +
                                            std::to_string(dropped_) + " bytes dropped here\n");
    for_each_kept(skip, [&](OutputStream stream, std::string_view bytes) { log_.append(stream, bytes); });
    while (!pieces_.empty()) {
        delete_piece(pieces_.front());
        pieces_.pop_front();
    }
    head_full_ = false;  // closed: nothing more to do
    state_fd_.reset();
    ::unlink((directory_ / kStateFile).c_str());
    return log_.size();
}

std::optional<CappedOutputLog::Closed> CappedOutputLog::close_left_tail(
    const std::filesystem::path& directory) {
    std::optional<TailState> state = read_state(directory);
    if (!state) return std::nullopt;
    CappedOutputLog log(directory, state->cap);
    log.head_payload_ = state->head_bytes;
    log.head_full_ = true;
    log.dropped_so_far_ = state->dropped;
    // The pieces as the folder has them (the note may lag a deletion).
    std::vector<std::uint64_t> numbers;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        std::string name = entry.path().filename().string();
        if (!name.starts_with("output.tail.")) continue;
        std::uint64_t number = 0;
        auto [end, error] = std::from_chars(name.data() + 12, name.data() + name.size(), number);
        if (error == std::errc() && end == name.data() + name.size()) numbers.push_back(number);
    }
    std::sort(numbers.begin(), numbers.end());
    for (std::uint64_t number : numbers) {
        log.pieces_.push_back({number, std::make_unique<OutputLogWriter>(directory, piece_name(number))});
        log.next_piece_ = number + 1;
    }
    std::uint64_t size = log.close_tail();
    return Closed{state->cap, log.dropped_, size};
}

std::uint64_t CappedOutputLog::lost_bytes() const {
    std::uint64_t lost = log_.lost_bytes() + lost_in_pieces_;
    for (const Piece& piece : pieces_) lost += piece.writer->lost_bytes();
    return lost;
}

int CappedOutputLog::loss_error() const {
    for (const Piece& piece : pieces_)
        if (piece.writer->lost_bytes() > 0) return piece.writer->loss_error();
    return log_.lost_bytes() > 0 ? log_.loss_error() : piece_loss_error_;
}

}  // namespace jobctl
