#pragma once
// Each slot's sequence lock (JobSlot::sequence): how a writer, holding the
// repository lock, overwrites a slot while readers copy it without the lock.
// A writer makes the sequence odd, writes, and makes it even again (two more
// than before). A reader copies the slot between two reads of the sequence
// and keeps the copy only if both are the same even number. Every byte is
// moved by atomic word loads and stores, so a torn copy is only ever
// discarded, never undefined behaviour (segment_layout.hpp, "Read without
// the lock").

#include <cstdint>

#include "table/segment_layout.hpp"

namespace jobctl::detail {

// Overwrites `slot` with `value` (its sequence moved on). Caller holds the
// lock. Half-way through, a test may stop or kill the writer
// (CrashPoint::slot_half_written).
void store_slot(JobSlot& slot, const JobSlot& value);

// One try at an unlocked copy of `slot`: false when a writer was at work
// (the copy is then to be thrown away).
bool try_load_slot(const JobSlot& slot, JobSlot& copy);

// Writes the journal's copy of a slot before write_slot arms it (atomic
// words: unlocked readers may copy it while it is armed).
void store_journal_copy(SlotJournal& journal, std::uint32_t index, const JobSlot& before);

// The slot as it was before the write in progress on it, from the armed
// journal: what a reader takes when a writer stays odd (stopped, or dead,
// mid-write). False when the journal is not armed for this slot, or the
// write ended (or another began) while it was copied.
bool try_load_from_journal(const SlotJournal& journal, std::uint32_t index, const JobSlot& slot,
                           JobSlot& copy);

// The id in a slot, read without the lock (0: free).
inline std::uint32_t id_at(const JobSlot& slot) {
    return __atomic_load_n(&slot.id, __ATOMIC_RELAXED);
}

// The parent's id and the state in a slot, read without the lock: only to
// pick slots to copy whole (read_slot), whose copy then decides.
inline std::uint32_t parent_at(const JobSlot& slot) {
    return __atomic_load_n(&slot.parent_id, __ATOMIC_RELAXED);
}
inline std::uint8_t state_at(const JobSlot& slot) {
    return __atomic_load_n(&slot.state, __ATOMIC_RELAXED);
}
inline std::uint64_t output_bytes_at(const JobSlot& slot) {
    return __atomic_load_n(&slot.output_bytes, __ATOMIC_RELAXED);
}

// Header words that unlocked readers load: next_id and slot_limit.
inline std::uint32_t load_word(const std::uint32_t& word) {
    return __atomic_load_n(&word, __ATOMIC_ACQUIRE);
}
inline void store_word(std::uint32_t& word, std::uint32_t value) {
    __atomic_store_n(&word, value, __ATOMIC_RELEASE);
}

}  // namespace jobctl::detail
