#pragma once
// How much of a job each slot can hold: the sizes of its text fields (each
// holds one byte less, for the terminating zero) and its lists. Visible to
// the library's other parts, which refuse what does not fit; the slot's
// bytes themselves are table/'s alone (segment_layout.hpp).

#include <cstddef>
#include <cstdint>

namespace jobctl::detail {

inline constexpr std::uint32_t kMaxCapacity = 1u << 20;  // slots in a table
inline constexpr std::size_t kNameSize = 64;
inline constexpr std::size_t kCommandSize = 256;
inline constexpr std::size_t kLocationSize = 64;
inline constexpr std::size_t kReasonSize = 128;
inline constexpr std::size_t kBootIdSize = 40;  // /proc/sys/kernel/random/boot_id: 36 characters
inline constexpr std::size_t kCwdSize = 256;
inline constexpr std::size_t kQueueNameSize = 32;
inline constexpr std::size_t kMaxAfter = 8;      // jobs one job may run after
inline constexpr std::size_t kMaxQueues = 32;    // queues with a slot limit set, per repository
inline constexpr std::size_t kStateHistory = 8;  // the last states of a job that its slot keeps
inline constexpr std::size_t kProgressTextSize = 64;
inline constexpr std::size_t kTypeNameSize = 16;    // a custom job type's name ("slurm")
inline constexpr std::size_t kExternalIdSize = 32;  // what the job is called where it runs ("4711_3")
inline constexpr std::size_t kLabelsSize = 184;     // KEY=VALUE labels, one per line, all of them

}  // namespace jobctl::detail
