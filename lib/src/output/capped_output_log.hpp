#pragma once
// A job's output log with a cap on how much of its output is kept
// (--max-output): its first part and its last part, with the middle
// drained and dropped, so that a job printing without end neither fills
// the disk nor blocks, and still shows how it began and how it ended.
//
// The first half of the cap goes into the log as it comes. It ends at the
// end of a line where one is near (within an eighth of the cap), else
// exactly at the half. Past it, output goes into tail pieces beside the
// log (output.tail.N, an eighth of the cap each, at least 64K); a piece is
// deleted as soon as the newer ones hold the rest of the cap, and what a
// pipe holds beyond the rest of the cap goes straight to /dev/null. So
// the tail takes at most the rest of the cap plus a piece on disk.
// close_tail, at the job's end, appends one info record saying how much
// was dropped (receive shows it on stderr where the gap is), then the last
// bytes of the output up to the cap, from the start of a line where one is
// near, and deletes the pieces: output of at most the cap is kept whole.
// A result or info record is kept whole or not at all. Until then,
// readers see the first half only.
//
// output.cap beside the pieces says how to finish them: a runner that dies
// leaves it, and close_left_tail (the process that finds the job lost)
// does what close_tail would have done.
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
#include "system/file_descriptor.hpp"

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

    // What a dead runner's pieces in `directory` came to, once moved into
    // the log; nothing when it left none.
    struct Closed {
        std::uint64_t cap;
        std::uint64_t dropped;
        std::uint64_t log_size;
    };
    static std::optional<Closed> close_left_tail(const std::filesystem::path& directory);

private:
    struct Piece {
        std::uint64_t number;
        std::unique_ptr<OutputLogWriter> writer;
        std::uint64_t bytes = 0;  // of output it was given, not counting framing
    };

    std::uint64_t head_room() const;
    std::uint64_t tail_room() const { return cap_ - head_bytes_; }
    std::uint64_t slack() const { return cap_ / 8; }
    std::size_t head_part(OutputStream stream, std::string_view bytes, std::uint64_t room);
    std::uint64_t append_crossing(OutputStream stream, int pipe_fd, int available);
    void append_to_tail(OutputStream stream, std::string_view bytes);
    Piece& piece_with_room();
    void trim_pieces();
    void delete_piece(const Piece& piece);
    void drop_from_pipe(int pipe_fd, std::uint64_t count);
    void note_state();
    void for_each_record(const std::function<void(OutputStream, std::string_view)>& visit);
    std::uint64_t line_start_from(std::uint64_t cut);
    void for_each_kept(std::uint64_t skip, const std::function<void(OutputStream, std::string_view)>& visit);

    std::filesystem::path directory_;
    std::uint64_t cap_;
    OutputLogWriter log_;
    std::uint64_t head_bytes_ = 0;  // output in the log, up to half the cap
    bool head_full_ = false;        // once anything went to the tail, the rest does too
    std::vector<char> crossing_;    // the read that crosses into the tail
    std::deque<Piece> pieces_;
    std::uint64_t next_piece_ = 0;
    std::uint64_t in_pieces_ = 0;       // output the pieces hold now
    std::uint64_t dropped_so_far_ = 0;  // in pieces deleted, or never written (drop_from_pipe)
    std::uint64_t dropped_ = 0;
    std::uint64_t lost_in_pieces_ = 0;
    int piece_loss_error_ = 0;
    detail::FileDescriptor null_fd_;
    detail::FileDescriptor state_fd_;  // output.cap, from the first piece on
};

}  // namespace jobctl
