#pragma once
// Asking ssh's shared-connection master whether it is alive, over its
// socket, in ssh's own mux protocol (OpenSSH's PROTOCOL.mux: a hello each
// way, then MUX_C_ALIVE_CHECK, answered by MUX_S_ALIVE): what `ssh -O
// check` does, without an exec of ssh and a read of its config.

#include <chrono>
#include <filesystem>

namespace jobctl::detail {

enum class MasterAnswer {
    alive,    // it answered
    absent,   // no socket, or nobody listens on it
    silent,   // it took the connection but said nothing in time (stopped, hung)
    unknown,  // it said something else: ask ssh itself
};

MasterAnswer ask_master(const std::filesystem::path& socket, std::chrono::milliseconds deadline);

}  // namespace jobctl::detail
