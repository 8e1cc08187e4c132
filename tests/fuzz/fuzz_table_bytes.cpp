// Fuzz target: a table file of any bytes (sizes, magic, layout, lock, slots).
// Seeds: the template table, which mutations damage a few bytes at a time,
// and the regression inputs, made here from the template of the current
// layout (scripts/fuzz.sh --seeds rewrites them all), never edited by hand:
// an input of an old layout is refused at the version check and no longer
// reaches the code it was added for (unit test FuzzSeeds checks the version).

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "fuzz_sandbox.hpp"
#include "fuzz_tables.hpp"
#include "fuzz_template.hpp"
#include "table/segment_layout.hpp"

namespace {
jobctl::fuzz::RepositorySnapshot snapshot;

// The template with its lock held by a thread id no thread has (4194303,
// the largest pid_max) and a count of 1: a dead owner that left no
// FUTEX_OWNER_DIED, which the opener must take over and repair, not wait
// for for ever. (What regression-lock-word held when it was found, in
// layout 4.)
std::string lock_held_by_no_thread(std::string table) {
    jobctl::detail::SegmentHeader header;
    std::memcpy(static_cast<void*>(&header), table.data(), sizeof header);
    header.lock.__data.__lock = 4194303;
    header.lock.__data.__count = 1;
    std::memcpy(table.data(), static_cast<const void*>(&header), sizeof header);
    return table;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    snapshot = jobctl::fuzz::build_template("template");
    jobctl::fuzz::write_seed("template-table", snapshot.table);
    jobctl::fuzz::write_seed("empty", "");
    jobctl::fuzz::write_seed("header-only", snapshot.table.substr(0, sizeof(jobctl::detail::SegmentHeader)));
    jobctl::fuzz::write_seed("regression-lock-word", lock_held_by_no_thread(snapshot.table));
    jobctl::fuzz::enter_sandbox_unless_merging(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string table(reinterpret_cast<const char*>(data), size);
    jobctl::fuzz::restore(snapshot, "bytes", &table);
    jobctl::fuzz::use_repository("bytes");
    return 0;
}
