#include "table/slot_sequence.hpp"

#include <cstring>

#include "table/crash_points.hpp"

namespace jobctl::detail {
namespace {

// The slot as words: every field but the last word (the sequence, and the
// containment word, written apart).
constexpr std::size_t kWords = offsetof(JobSlot, sequence) / sizeof(std::uint64_t);
static_assert(offsetof(JobSlot, sequence) % sizeof(std::uint64_t) == 0);
static_assert(offsetof(JobSlot, containment) + sizeof(std::uint32_t) == sizeof(JobSlot));
static_assert(offsetof(JobSlot, containment) % sizeof(std::uint32_t) == 0);

// The 32-bit word from `containment` on (containment, registered_alone, finish_hook).
std::uint32_t* last_word(JobSlot& slot) {
    return reinterpret_cast<std::uint32_t*>(&slot.containment);
}
const std::uint32_t* last_word(const JobSlot& slot) {
    return reinterpret_cast<const std::uint32_t*>(&slot.containment);
}

std::uint64_t* words_of(JobSlot& slot) {
    return reinterpret_cast<std::uint64_t*>(&slot);
}
const std::uint64_t* words_of(const JobSlot& slot) {
    return reinterpret_cast<const std::uint64_t*>(&slot);
}

void store_words(std::uint64_t* to, const std::uint64_t* from, std::size_t begin, std::size_t end) {
    for (std::size_t i = begin; i < end; ++i) __atomic_store_n(&to[i], from[i], __ATOMIC_RELAXED);
}

}  // namespace

void store_slot(JobSlot& slot, const JobSlot& value) {
    // Even before, even after, and never a value a reader saw before: a
    // damaged (odd) sequence is first rounded up.
    std::uint32_t before = __atomic_load_n(&slot.sequence, __ATOMIC_RELAXED) | 1u;
    __atomic_store_n(&slot.sequence, before, __ATOMIC_RELAXED);
    std::atomic_thread_fence(std::memory_order_release);
    std::uint64_t* to = words_of(slot);
    const std::uint64_t* from = words_of(value);
    store_words(to, from, 0, kWords / 2);
    reach_crash_point(testing::CrashPoint::slot_half_written);
    store_words(to, from, kWords / 2, kWords);
    __atomic_store_n(last_word(slot), *last_word(value), __ATOMIC_RELAXED);
    __atomic_store_n(&slot.sequence, before + 1, __ATOMIC_RELEASE);
}

void store_journal_copy(SlotJournal& journal, std::uint32_t index, const JobSlot& before) {
    store_words(words_of(journal.before), words_of(before), 0, sizeof(JobSlot) / sizeof(std::uint64_t));
    __atomic_store_n(&journal.index, index, __ATOMIC_RELAXED);
}

bool try_load_from_journal(const SlotJournal& journal, std::uint32_t index, const JobSlot& slot,
                           JobSlot& copy) {
    std::uint32_t during = __atomic_load_n(&slot.sequence, __ATOMIC_ACQUIRE);
    if ((during & 1u) == 0) return false;  // no write in progress: read the slot itself
    // An odd sequence: the writer armed the journal (after a fence) before it began.
    if (__atomic_load_n(&journal.active, __ATOMIC_ACQUIRE) == 0 ||
        __atomic_load_n(&journal.index, __ATOMIC_RELAXED) != index)
        return false;
    std::uint64_t* to = words_of(copy);
    const std::uint64_t* from = words_of(journal.before);
    for (std::size_t i = 0; i < sizeof(JobSlot) / sizeof(std::uint64_t); ++i)
        to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    std::atomic_thread_fence(std::memory_order_acquire);
    // The same odd sequence still: that write is still in progress, so no
    // later writer (which must wait for its lock) has touched the journal.
    return __atomic_load_n(&slot.sequence, __ATOMIC_RELAXED) == during;
}

bool try_load_slot(const JobSlot& slot, JobSlot& copy) {
    std::uint32_t first = __atomic_load_n(&slot.sequence, __ATOMIC_ACQUIRE);
    if ((first & 1u) != 0) return false;
    std::uint64_t* to = words_of(copy);
    const std::uint64_t* from = words_of(slot);
    for (std::size_t i = 0; i < kWords; ++i) to[i] = __atomic_load_n(&from[i], __ATOMIC_RELAXED);
    *last_word(copy) = __atomic_load_n(last_word(slot), __ATOMIC_RELAXED);
    std::atomic_thread_fence(std::memory_order_acquire);
    copy.sequence = __atomic_load_n(&slot.sequence, __ATOMIC_RELAXED);
    return copy.sequence == first;
}

}  // namespace jobctl::detail
