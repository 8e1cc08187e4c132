// Fuzz target: a valid table with bytes changed. The input is a list of
// patches, three bytes each: an offset (16 bits, little-endian, taken modulo
// the table's size) and the byte to put there.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_sandbox.hpp"
#include "fuzz_tables.hpp"
#include "fuzz_template.hpp"
#include "table/segment_layout.hpp"

namespace {
jobctl::fuzz::RepositorySnapshot snapshot;

constexpr std::size_t kHeader = sizeof(jobctl::detail::SegmentHeader);
constexpr std::size_t kSlot = sizeof(jobctl::detail::JobSlot);

std::string patch(std::size_t offset, unsigned char value) {
    return {static_cast<char>(offset & 0xff), static_cast<char>(offset >> 8), static_cast<char>(value)};
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    snapshot = jobctl::fuzz::build_template("template");
    // Seeds: nothing changed; a state byte; next_id; the lock's word; a
    // journal armed; a name. Offsets from the layout itself, so that
    // scripts/fuzz.sh --seeds makes them right for the current one.
    using jobctl::detail::JobSlot;
    using jobctl::detail::SegmentHeader;
    constexpr std::size_t kNextId = offsetof(SegmentHeader, next_id);
    constexpr std::size_t kLock = offsetof(SegmentHeader, lock);
    constexpr std::size_t kJournal = offsetof(SegmentHeader, journal);
    jobctl::fuzz::write_seed("unchanged", "");
    jobctl::fuzz::write_seed("state", patch(kHeader + offsetof(JobSlot, state), 10));
    jobctl::fuzz::write_seed("next-id", patch(kNextId, 0) + patch(kNextId + 1, 0));
    jobctl::fuzz::write_seed("lock-word", patch(kLock, 0x39) + patch(kLock + 1, 0x30));
    jobctl::fuzz::write_seed("journal",
                             patch(kJournal + offsetof(jobctl::detail::SlotJournal, active), 1) +
                                 patch(kJournal + offsetof(jobctl::detail::SlotJournal, index), 2));
    constexpr std::size_t kName = kHeader + kSlot + offsetof(JobSlot, name);
    jobctl::fuzz::write_seed("name", patch(kName, 0xff) + patch(kName + 1, 0xfe));
    jobctl::fuzz::enter_sandbox_unless_merging(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string table = snapshot.table;
    for (std::size_t i = 0; i + 3 <= size; i += 3) {
        std::size_t offset = (data[i] | static_cast<std::size_t>(data[i + 1]) << 8) % table.size();
        table[offset] = static_cast<char>(data[i + 2]);
    }
    jobctl::fuzz::restore(snapshot, "patches", &table);
    jobctl::fuzz::use_repository("patches");
    return 0;
}
