#pragma once
// The texts a job's reason is made of, fitted to the slot's reason field.

#include <cerrno>
#include <cstdint>
#include <string>
#include <string_view>

#include "table/slot_limits.hpp"

namespace jobctl::detail {

// How a reason begins to say that output was dropped for want of disk space
// (the last part of the reason; output_truncation() finds it).
inline constexpr std::string_view kOutputTruncated = "output truncated: ";

// "output truncated: N bytes lost (no space left on device)": at most 75 bytes.
inline std::string output_loss_text(std::uint64_t lost_bytes, int error) {
    return std::string(kOutputTruncated) + std::to_string(lost_bytes) + " bytes lost (" +
           (error == EDQUOT ? "disk quota exceeded" : "no space left on device") + ")";
}

// "REASON; MORE", or whichever of the two is not empty. REASON is shortened
// if both would not fit the slot (a thread job's exception message can be
// long): MORE, which comes last, must not be what the slot cuts off.
inline std::string join_reasons(std::string reason, std::string_view more) {
    if (more.empty()) return reason;
    if (reason.empty()) return std::string(more);
    std::size_t room = kReasonSize - 1 > more.size() + 2 ? kReasonSize - 1 - more.size() - 2 : 0;
    if (reason.size() > room) {
        while (room > 0 && (static_cast<unsigned char>(reason[room]) & 0xC0) == 0x80) --room;
        reason.resize(room);
    }
    return reason.append("; ").append(more);
}

}  // namespace jobctl::detail
