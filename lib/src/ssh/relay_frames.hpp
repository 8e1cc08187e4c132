#pragma once
// What the remote side of an ssh job sends back on ssh's stdout, and how
// the local side reads it. Two modes, told apart by the first line:
//  - "jobctl-wrapper": the host has no jobctl; the wrapper runs the command
//    and the rest of stdout is the command's own (remote_command.hpp).
//  - "jobctl-relay 1": `jobctl __ssh-relay` runs there (the durable mode):
//    the command is a jobctl job of the remote user's repository, and what
//    follows is frames: a 16-byte header (little-endian length, kind, three
//    zero bytes, the time in ns) and `length` bytes. Kinds 1 to 4 are the
//    remote job's output records (OutputStream); the others say where the
//    job is (RelayFrameKind).
// Lines before the first marker (a login shell's rc file that prints) are
// the job's output, as they would be over plain ssh.

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"

namespace jobctl::detail {

inline constexpr std::string_view kWrapperMarker = "jobctl-wrapper\n";
inline constexpr std::string_view kRelayMarker = "jobctl-relay 1\n";
// The wrapper's answer to a request only a relay may take (a follow, a
// start sent again) where no jobctl is: ssh then exits 255.
inline constexpr std::string_view kMissingMarker = "jobctl-missing\n";

enum class RelayFrameKind : std::uint8_t {
    started = 16,  // the remote job's id, in decimal: from now on it is followed by id
    ended = 17,    // its outcome (encode_outcome); then the relay waits for "done"
    refused = 18,  // it could not be started (one line: why)
};

// A finished remote job as the relay saw it.
struct RemoteOutcome {
    JobState state = JobState::failed;
    std::optional<int> exit_code;
    int term_signal = 0;
    std::string reason;
};

// One frame, header and bytes, ready to write. `kind`: an OutputStream's
// value or a RelayFrameKind's.
std::string encode_frame(std::uint8_t kind, std::string_view bytes,
                         std::chrono::nanoseconds time = std::chrono::nanoseconds(0));
std::string encode_outcome(const RemoteOutcome& outcome);
// Nothing when the text is not one encode_outcome made (or its state is not a final one).
std::optional<RemoteOutcome> decode_outcome(std::string_view text);

// What the local side asks of the relay, as one word of its command line:
// start the command as a job named `name` (or take the job of that name,
// when an earlier connection started it and was lost before it said so),
// or follow job `job` on from `skip` bytes of its output; and first, a stop
// not yet delivered.
struct RelayRequest {
    std::string name;    // to start; empty: follow `job`
    bool again = false;  // a start sent again after a relay answered: never the wrapper
    JobId job = 0;
    std::uint64_t skip = 0;  // bytes of output (every stream) already here
    std::optional<std::chrono::seconds> stop;
};
std::string encode_request(const RelayRequest& request);
// Nothing when the word is not one encode_request made.
std::optional<RelayRequest> decode_request(std::string_view word);

enum class RemoteMode { unknown, wrapper, relay, missing };

// The local side's reader of ssh's stdout: fed what ssh gives, in any
// pieces, it calls back for each whole thing it finds.
class RelayDecoder {
public:
    struct Callbacks {
        std::function<void(OutputStream stream, std::string_view bytes)> output;
        std::function<void(RelayFrameKind kind, std::string_view bytes)> control;
        std::function<void(RemoteMode mode)> mode;  // once a marker says which, before what follows it
    };
    explicit RelayDecoder(Callbacks callbacks) : callbacks_(std::move(callbacks)) {}

    // Errors: system, when a frame's header is not one the relay writes
    // (the stream is not what it should be: the caller ends the connection).
    void feed(std::string_view bytes);
    // The end of the stream: output still held back (a line with no end
    // before any marker) is given now.
    void finish();
    RemoteMode mode() const { return mode_; }

private:
    void look_for_marker();
    void read_frames();

    Callbacks callbacks_;
    RemoteMode mode_ = RemoteMode::unknown;
    std::string pending_;
};

}  // namespace jobctl::detail
