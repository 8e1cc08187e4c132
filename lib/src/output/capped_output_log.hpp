#pragma once
// A job's output log with a cap on how much of its output is kept
// (--max-output): its first part and its last part, with the middle
// drained and dropped, so that a job printing without end neither fills
// the disk nor blocks, and still shows how it began and how it ended.
//
// The first part goes into the log as it comes, up to half the cap on
// disk (its records' framing counts). Once a record reaches into the
// half's last eighth, the part ends at the last line's end in it; a record
// that reaches past the half without one ends it exactly there, or, if it
// starts a line and the half is nearly full, goes whole to the tail.
// After it, text is gathered (a record per 4K, per stream switch, or per
// kGatherDelay: few headers for a program that writes a byte at a time)
// and written into tail pieces beside the log (output.tail.N, an eighth of
// the cap each, at least 64K). The oldest piece is deleted as soon as the
// newer ones hold the rest of the cap and an eighth more, and what a pipe
// holds beyond that goes straight to /dev/null: the tail takes about the
// rest of the cap plus a piece on disk. close_tail, at the job's end,
// appends one info record saying how much was dropped (receive shows it
// on stderr where the gap is), then the last bytes of the output, up to
// the cap with the first part, from just after a line's end if one is
// within an eighth of the cap, and deletes the pieces. Output of at most
// the cap is kept whole. A result or info record is kept whole or not at
// all. Until then, readers see the first part only.
//
// output.cap beside the pieces says how to finish them: a runner that dies
// leaves it, and close_left_tail (the process that finds the job lost)
// does what close_tail would have done; text it had gathered but not
// written (4K at most) is lost, and counted as dropped.
//
// Without a cap (0) it is the plain log, at the same cost.

#include <chrono>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/receive.hpp"
#include "output/output_log.hpp"
#include "system/file_descriptor.hpp"

namespace jobctl {

// The smallest cap: below it the halves would be a few lines.
inline constexpr std::uint64_t kMinOutputCap = 4096;
// How long tail text may wait to be gathered into a record of its own.
inline constexpr std::chrono::milliseconds kGatherDelay{100};

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

    // Tail text gathered but not yet in a piece is written within
    // kGatherDelay: a runner asks when (nothing: none is waiting), and
    // calls write_gathered then.
    std::optional<std::chrono::steady_clock::time_point> gathered_due() const;
    void write_gathered() { flush_gathered(); }

    // Moves the kept tail into the log (see above); returns the log's size.
    // After the last append; again, it does nothing.
    std::uint64_t close_tail();

    std::uint64_t cap() const { return cap_; }
    // The log's size on disk now (while capped, of its first part).
    std::uint64_t size();
    // Whether a runner of the job in `directory` has begun a tail (it left
    // its state there): the log then holds only the first part of its output.
    static bool tail_begun(const std::filesystem::path& directory);
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
    std::uint64_t tail_room() const { return cap_ - head_payload_; }
    std::uint64_t slack() const { return cap_ / 8; }
    std::uint64_t piece_size() const { return std::max<std::uint64_t>(cap_ / 8, 64 * 1024); }
    std::size_t head_part(OutputStream stream, std::string_view bytes, std::uint64_t room);
    std::uint64_t read_and_append(OutputStream stream, int pipe_fd, std::uint64_t held);
    void append_to_tail(OutputStream stream, std::string_view bytes);
    void flush_gathered();
    void write_to_pieces(OutputStream stream, std::string_view bytes);
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
    std::uint64_t head_payload_ = 0;  // output in the log
    std::uint64_t head_disk_ = 0;     // the log's size, framing included: up to half the cap
    bool head_full_ = false;          // once anything went to the tail, the rest does too
    std::vector<char> reading_;       // what read_and_append read
    std::string gathered_;            // tail text not yet in a piece
    std::chrono::steady_clock::time_point gathered_since_;
    OutputStream gathered_stream_ = OutputStream::out;
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
