#include "output/capped_output_log.hpp"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <functional>
#include <limits>
#include <string>

#include "jobctl/error.hpp"
#include "text/size_text.hpp"

namespace jobctl {
namespace {

constexpr std::size_t kPiecesKept = 5;  // four full pieces and the one being written

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
    std::uint64_t bytes(const OutputLogWriter& writer) const {
        std::uint64_t grown = writer.size() - size_before;
        std::uint64_t kept = grown >= sizeof(OutputRecordHeader) ? grown - sizeof(OutputRecordHeader) : 0;
        return kept + (writer.lost_bytes() - lost_before);
    }
};

}  // namespace

CappedOutputLog::CappedOutputLog(std::filesystem::path directory, std::uint64_t cap)
    : directory_(std::move(directory)), cap_(cap), log_(directory_) {}

CappedOutputLog::~CappedOutputLog() {
    // Left early (the runner failed): the pieces would only take room.
    for (const Piece& piece : pieces_) ::unlink((directory_ / piece_name(piece.number)).c_str());
}

std::uint64_t CappedOutputLog::head_room() const {
    return head_full_ ? 0 : cap_ / 2 - head_bytes_;
}

std::uint64_t CappedOutputLog::append(OutputStream stream, std::string_view bytes) {
    if (cap_ == 0) return log_.append(stream, bytes);
    std::uint64_t room = head_room();
    if (room > 0 && (bytes.size() <= room || is_divisible(stream))) {
        std::string_view part =
            bytes.substr(0, static_cast<std::size_t>(std::min<std::uint64_t>(room, bytes.size())));
        // The first half ends with a whole line where it can: the gap's
        // line on stderr then stands on a line of its own.
        if (part.size() < bytes.size() && part.rfind('\n') != std::string_view::npos)
            part = part.substr(0, part.rfind('\n') + 1);
        log_.append(stream, part);
        head_bytes_ += part.size();
        bytes.remove_prefix(part.size());
    }
    if (bytes.empty()) return log_.size();
    head_full_ = true;  // from here on, in order, everything goes to the tail
    Piece& piece = piece_with_room();
    Taken taken(*piece.writer);
    piece.writer->append(stream, bytes);
    piece.bytes += taken.bytes(*piece.writer);
    return log_.size();
}

std::optional<std::uint64_t> CappedOutputLog::append_from_pipe(OutputStream stream, int pipe_fd) {
    if (cap_ == 0) return log_.append_from_pipe(stream, pipe_fd);
    if (std::uint64_t room = head_room(); room > 0) {
        int available = 0;
        if (::ioctl(pipe_fd, FIONREAD, &available) != 0 || available <= 0) return std::nullopt;
        if (static_cast<std::uint64_t>(available) > room) return append_crossing(stream, pipe_fd, available);
        Taken taken(log_);
        std::optional<std::uint64_t> size = log_.append_from_pipe(stream, pipe_fd);
        head_bytes_ += taken.bytes(log_);
        head_full_ = head_bytes_ >= cap_ / 2;
        return size;
    }
    Piece& piece = piece_with_room();
    Taken taken(*piece.writer);
    if (!piece.writer->append_from_pipe(stream, pipe_fd)) return std::nullopt;
    piece.bytes += taken.bytes(*piece.writer);
    return log_.size();
}

// What the pipe holds reaches past the first half: read (once per job, so
// the copy costs nothing) to end the half at a line's end.
std::uint64_t CappedOutputLog::append_crossing(OutputStream stream, int pipe_fd, int available) {
    crossing_.resize(std::min<std::size_t>(static_cast<std::size_t>(available), kMaxRecordLength));
    ssize_t got;
    do {
        got = ::read(pipe_fd, crossing_.data(), crossing_.size());
    } while (got < 0 && errno == EINTR);
    if (got < 0) throw_system_error("cannot read the output pipe", errno);
    std::uint64_t size = append(stream, std::string_view(crossing_.data(), static_cast<std::size_t>(got)));
    crossing_ = {};
    return size;
}

CappedOutputLog::Piece& CappedOutputLog::piece_with_room() {
    std::uint64_t piece_size = std::max<std::uint64_t>(cap_ / 8, 1);
    if (pieces_.empty() || pieces_.back().bytes >= piece_size) {
        std::uint64_t number = next_piece_++;
        pieces_.push_back({number, std::make_unique<OutputLogWriter>(directory_, piece_name(number))});
        if (pieces_.size() > kPiecesKept) {
            delete_piece(pieces_.front());
            pieces_.pop_front();
        }
    }
    return pieces_.back();
}

void CappedOutputLog::delete_piece(const Piece& piece) {
    std::uint64_t lost = piece.writer->lost_bytes();
    deleted_bytes_ += piece.bytes - lost;
    lost_in_pieces_ += lost;
    if (lost > 0) piece_loss_error_ = piece.writer->loss_error();
    std::filesystem::path path = directory_ / piece_name(piece.number);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        throw_system_error("cannot delete " + path.string(), errno);
}

// Calls `visit` with what is kept of each record in the pieces, in order,
// once the first `skip` bytes of output in them are left out.
void CappedOutputLog::for_each_kept(std::uint64_t skip,
                                    const std::function<void(OutputStream, std::string_view)>& visit) {
    for (const Piece& piece : pieces_) {
        OutputLogReader reader(directory_, piece_name(piece.number));
        reader.read(0, piece.writer->size(), [&](OutputStream stream, std::string_view bytes) {
            if (skip >= bytes.size()) {
                skip -= bytes.size();
                return;
            }
            // The record the kept half begins in: text keeps its end, from
            // the start of a line where the record has one; a document is
            // whole or nothing.
            bool cut = skip > 0;
            bytes.remove_prefix(static_cast<std::size_t>(skip));
            skip = 0;
            if (cut && !is_divisible(stream)) return;
            if (cut && bytes.find('\n') != std::string_view::npos) bytes.remove_prefix(bytes.find('\n') + 1);
            if (!bytes.empty()) visit(stream, bytes);
        });
    }
}

std::uint64_t CappedOutputLog::close_tail() {
    if (cap_ == 0 || pieces_.empty()) return log_.size();
    std::uint64_t in_pieces = 0;
    for_each_kept(0, [&](OutputStream, std::string_view bytes) { in_pieces += bytes.size(); });
    std::uint64_t budget = cap_ - cap_ / 2;
    std::uint64_t skip = in_pieces > budget ? in_pieces - budget : 0;
    std::uint64_t kept = 0;
    for_each_kept(skip, [&](OutputStream, std::string_view bytes) { kept += bytes.size(); });
    dropped_ = deleted_bytes_ + (in_pieces - kept);
    if (dropped_ > 0)
        log_.append(OutputStream::info, "jobctl: output capped at " + detail::size_text(cap_) + ": " +
                                            std::to_string(dropped_) + " bytes dropped here\n");
    for_each_kept(skip, [&](OutputStream stream, std::string_view bytes) { log_.append(stream, bytes); });
    while (!pieces_.empty()) {
        delete_piece(pieces_.front());
        pieces_.pop_front();
    }
    return log_.size();
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
