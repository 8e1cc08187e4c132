#pragma once
// The bytes of a repository segment. Plain data only: no pointers, no heap,
// so every process can map the segment at any address. Any change here must
// bump kLayoutVersion, which every opener checks.

#include <pthread.h>

#include <atomic>
#include <cstdint>
#include <type_traits>

namespace jobctl::detail {

inline constexpr std::uint64_t kSegmentMagic = 0x314c5254434a424aULL;  // "JBJCTRL1"
inline constexpr std::uint32_t kMaxCapacity = 1u << 20;  // slots
inline constexpr std::uint32_t kLayoutVersion = 3;  // 2: stop count, high-water mark; 3: state_counter

inline constexpr std::size_t kNameSize = 64;
inline constexpr std::size_t kCommandSize = 256;
inline constexpr std::size_t kLocationSize = 64;
inline constexpr std::size_t kReasonSize = 128;

// One job. id == 0 marks a free slot. Strings are NUL-terminated and
// truncated to fit (see copy_truncated).
struct JobSlot {
    std::uint32_t id;
    std::uint32_t parent_id;
    std::uint8_t type;   // JobType
    std::uint8_t state;  // JobState
    std::uint8_t stop_requested;
    std::uint8_t has_exit_code;
    std::uint8_t owner_claimed;  // the owner itself (worker, host) has taken the job
    std::uint8_t reserved[3];
    std::int32_t exit_code;
    std::int32_t term_signal;  // 0: not killed by a signal
    std::int32_t owner_pid;    // worker or thread host
    std::uint32_t padding;     // named, so that no byte of a slot is padding (see below)
    std::uint64_t owner_start_time;
    std::int32_t process_id;  // command pid == its process group id
    std::uint32_t stop_grace_ms;
    std::uint64_t process_start_time;
    std::int64_t created_ns;
    std::int64_t began_ns;
    std::int64_t ended_ns;
    std::uint64_t output_bytes;
    std::uint64_t read_offset;
    char name[kNameSize];
    char command[kCommandSize];
    char location[kLocationSize];
    char reason[kReasonSize];
};

// Before a slot is overwritten its old bytes are copied here. A writer that
// dies half-way leaves `active` set, and the next locker restores the slot.
struct SlotJournal {
    std::uint32_t active;
    std::uint32_t index;
    JobSlot before;
};

struct SegmentHeader {
    std::uint64_t magic;
    std::uint32_t layout_version;
    std::uint32_t header_size;
    std::uint32_t slot_size;
    std::uint32_t capacity;
    std::uint32_t next_id;
    // 1 + the highest slot index ever used: slots from here on were never
    // written, so scans stop here (and never fault in the untouched pages).
    std::uint32_t slot_limit;
    // Bumped (then futex-woken) after every change; waiters sleep on it.
    alignas(64) std::atomic<std::uint32_t> change_counter;
    // Bumped after a stop is requested, so that hosts of thread jobs look for
    // stop flags only when there can be a new one.
    std::atomic<std::uint32_t> stop_request_count;
    // Bumped only by changes other than output: what `wait` sleeps on, so
    // that a chatty job does not wake every waiter once per chunk it prints.
    std::atomic<std::uint32_t> state_counter;
    alignas(64) pthread_mutex_t lock;  // process-shared and robust
    SlotJournal journal;
};

static_assert(std::is_trivially_copyable_v<JobSlot>);
// Slots are compared byte for byte (job_table.cpp: only_output_moved); the
// bytes of hidden padding are unspecified after a copy.
static_assert(std::has_unique_object_representations_v<JobSlot>);
static_assert(std::atomic<std::uint32_t>::is_always_lock_free);
static_assert(sizeof(std::atomic<std::uint32_t>) == sizeof(std::uint32_t));

inline JobSlot* slots_of(SegmentHeader* header) {
    return reinterpret_cast<JobSlot*>(reinterpret_cast<char*>(header) + sizeof(SegmentHeader));
}

inline std::size_t segment_size(std::uint32_t capacity) {
    return sizeof(SegmentHeader) + std::size_t{capacity} * sizeof(JobSlot);
}

// Copies text into a fixed field, truncating at a UTF-8 boundary; always terminated.
template <std::size_t N>
void copy_truncated(char (&field)[N], std::string_view text) {
    std::size_t length = text.size() < N ? text.size() : N - 1;
    if (length < text.size())
        while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) --length;
    for (std::size_t i = 0; i < length; ++i) field[i] = text[i];
    for (std::size_t i = length; i < N; ++i) field[i] = '\0';
}

// Reads a fixed field that may be damaged (missing terminator).
template <std::size_t N>
std::string read_field(const char (&field)[N]) {
    std::size_t length = 0;
    while (length < N && field[length] != '\0') ++length;
    return std::string(field, length);
}

}  // namespace jobctl::detail
