// Fuzz target: a table file of any bytes (sizes, magic, layout, lock, slots).
// Seeds: the template table, which mutations damage a few bytes at a time.

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_sandbox.hpp"
#include "fuzz_tables.hpp"
#include "fuzz_template.hpp"
#include "table/segment_layout.hpp"

namespace {
jobctl::fuzz::RepositorySnapshot snapshot;
}

extern "C" int LLVMFuzzerInitialize(int*, char***) {
    snapshot = jobctl::fuzz::build_template("template");
    jobctl::fuzz::write_seed("template-table", snapshot.table);
    jobctl::fuzz::write_seed("empty", "");
    jobctl::fuzz::write_seed("header-only", snapshot.table.substr(0, sizeof(jobctl::detail::SegmentHeader)));
    jobctl::fuzz::enter_sandbox();
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    std::string table(reinterpret_cast<const char*>(data), size);
    jobctl::fuzz::restore(snapshot, "bytes", &table);
    jobctl::fuzz::use_repository("bytes");
    return 0;
}
