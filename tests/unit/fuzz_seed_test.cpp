// The fuzz corpus's table seeds are of the current layout: a table of an
// old one is refused at the version check and never reaches the code its
// seed was added for. They are made by the fuzz targets themselves
// (scripts/fuzz.sh --seeds), never edited by hand.

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "table/segment_layout.hpp"

namespace jobctl::test {
namespace {

TEST(FuzzSeeds, EveryTableSeedCarriesTheCurrentLayoutVersion) {
    const std::filesystem::path corpus =
        std::filesystem::path(JOBCTL_SOURCE_DIR) / "tests/fuzz/corpus/table_bytes";
    ASSERT_TRUE(std::filesystem::is_directory(corpus)) << corpus;
    int tables = 0;
    for (const auto& entry : std::filesystem::directory_iterator(corpus)) {
        std::ifstream file(entry.path(), std::ios::binary);
        std::string bytes(std::istreambuf_iterator<char>(file), {});
        std::uint64_t magic = 0;
        std::uint32_t version = 0;
        if (bytes.size() < offsetof(detail::SegmentHeader, layout_version) + sizeof version) continue;
        std::memcpy(&magic, bytes.data() + offsetof(detail::SegmentHeader, magic), sizeof magic);
        if (magic != detail::kSegmentMagic) continue;  // not a table: bytes the fuzzer found
        std::memcpy(&version, bytes.data() + offsetof(detail::SegmentHeader, layout_version), sizeof version);
        ++tables;
        EXPECT_EQ(version, detail::kLayoutVersion)
            << entry.path().filename() << " is a table of layout " << version
            << ": regenerate the seeds with scripts/fuzz.sh --seeds (or delete an input a merge kept)";
    }
    EXPECT_GE(tables, 3) << "template-table, header-only and regression-lock-word, at least";
    EXPECT_TRUE(std::filesystem::exists(corpus / "regression-lock-word"));
}

}  // namespace
}  // namespace jobctl::test
