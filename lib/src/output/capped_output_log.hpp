#pragma once
// A job's output log with a cap on how much of its output is kept
// (--max-output): the first half of the cap and the last half, with the
// middle drained and dropped, so that a job printing without end neither
// fills the disk nor blocks, and still shows how it began and how it ended.
//
// The first half goes into the log as it comes. Past it, output goes into
// tail pieces beside the log (output.tail.N, each an eighth of the cap):
// once a sixth piece is begun, the oldest is deleted, so at most five
// eighths of the cap are on disk for the tail. close_tail, at the job's
// end, appends one info record saying how much was dropped (receive shows
// it on stderr where the gap is), then the last half of the cap from the
// pieces (a text record cut at its front where the half begins, from its
// next line on when it has one; a result or info record kept whole or not
// at all), and deletes the pieces. The first half ends where the cap's
// half does, in a line or not. Until
// then, readers see the first half only. A runner that dies first leaves
// the pieces, which go with the job's folder.
//
// Without a cap (0) it is the plain log, at the same cost.

#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include "jobctl/receive.hpp"
#include "output/output_log.hpp"

namespace jobctl {

// The smallest cap: below it the halves would be a few lines.
inline constexpr std::uint64_t kMinOutputCap = 4096;

class CappedOutputLog {
public:
    CappedOutputLog(std::filesystem::path directory, std::uint64_t cap);
    ~CappedOutputLog();
    CappedOutputLog(const CappedOutputLog&) = delete;
    CappedOutputLog& operator=(const CappedOutputLog&) = delete;

    // As OutputLogWriter's; the size returned is the log's (past the first
    // half, it stays put until close_tail).
    std::uint64_t append(OutputStream stream, std::string_view bytes);
    std::optional<std::uint64_t> append_from_pipe(OutputStream stream, int pipe_fd);

    // Moves the kept tail into the log (see above); returns the log's size.
    // After the last append; again, it does nothing.
    std::uint64_t close_tail();

    std::uint64_t cap() const { return cap_; }
    // Bytes of output dropped for the cap (known once close_tail ran).
    std::uint64_t dropped_bytes() const { return dropped_; }
    // Lost for want of space, in the log and in the pieces (OutputLogWriter).
    std::uint64_t lost_bytes() const;
    int loss_error() const;

private:
    struct Piece {
        std::uint64_t number;
        std::unique_ptr<OutputLogWriter> writer;
        std::uint64_t bytes = 0;  // of output, not counting framing
    };

    std::uint64_t head_room() const;
    std::uint64_t append_crossing(OutputStream stream, int pipe_fd, int available);
    Piece& piece_with_room();
    void delete_piece(const Piece& piece);
    void for_each_kept(std::uint64_t skip, const std::function<void(OutputStream, std::string_view)>& visit);

    std::filesystem::path directory_;
    std::uint64_t cap_;
    OutputLogWriter log_;
    std::uint64_t head_bytes_ = 0;  // output in the log, up to half the cap
    bool head_full_ = false;        // once anything went to the tail, the rest does too
    std::vector<char> crossing_;    // the read that crosses into the tail
    std::deque<Piece> pieces_;
    std::uint64_t next_piece_ = 0;
    std::uint64_t deleted_bytes_ = 0;  // output in pieces deleted so far
    std::uint64_t dropped_ = 0;
    std::uint64_t lost_in_pieces_ = 0;
    int piece_loss_error_ = 0;
};

}  // namespace jobctl
