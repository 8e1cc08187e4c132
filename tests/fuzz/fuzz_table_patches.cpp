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
    // A child of "each" (job 4) in the template's last slot, above the
    // high-water mark: hidden until a registration raised the mark over it,
    // after its parent was removed (a registration now clears such a slot).
    constexpr std::size_t kHidden = kHeader + 7 * kSlot;
    jobctl::fuzz::write_seed("regression-hidden-child-above-slot-limit",
                             patch(kHidden + offsetof(JobSlot, id), 20) +
                                 patch(kHidden + offsetof(JobSlot, parent_id), 4) +
                                 patch(kHidden + offsetof(JobSlot, state), 1));
    // Job 6 renumbered 64, whose home (slot 7) is above the high-water mark,
    // and a boot id cut short (so a reboot's repair keeps it there): a remove
    // of the job before it in its name's list could not find it by id.
    jobctl::fuzz::write_seed("regression-job-whose-home-is-above-slot-limit",
                             patch(offsetof(SegmentHeader, boot_id) + 33, 0) +
                                 patch(kHeader + 5 * kSlot + offsetof(JobSlot, id), 64));
    // The high-water mark lowered under the last job, which a registration
    // then clears: it must leave its name's list too.
    jobctl::fuzz::write_seed("regression-hidden-job-in-a-name-list",
                             patch(offsetof(SegmentHeader, slot_limit), 6));
    jobctl::fuzz::write_seed("regression-every-job-hidden", patch(offsetof(SegmentHeader, slot_limit), 0));
    // The lock's holder gone (a repair follows) and the last slot's job
    // renumbered as another's: two slots with id 4, which the repair's
    // index would take for one chain of names and another of slots.
    jobctl::fuzz::write_seed(
        "regression-duplicate-id-repaired-after-a-dead-lock",
        patch(kLock, 0x30) + patch(kLock + 1, 0x30) + patch(kHeader + 7 * kSlot + offsetof(JobSlot, id), 4));
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
