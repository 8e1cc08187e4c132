// A command longer than its slot: the slot's text is its start, cut at a
// character boundary and marked, and only such a text sends a reader to the
// job's folder.

#include "table/full_command.hpp"

#include <gtest/gtest.h>

#include <string>

namespace jobctl::detail {
namespace {

constexpr std::size_t kField = 16;  // bytes, the terminating zero included

TEST(FullCommand, AFittingCommandIsKeptAsItIs) {
    EXPECT_EQ(slot_command_text("echo hi", kField), "echo hi");
    EXPECT_EQ(slot_command_text(std::string(15, 'x'), kField), std::string(15, 'x'));
    EXPECT_FALSE(may_be_shortened("echo hi", kField));
}

TEST(FullCommand, ALongCommandIsCutAtACharacterBoundaryAndMarked) {
    std::string text = slot_command_text("echo 日本語のテキスト", kField);
    EXPECT_LT(text.size(), kField);
    EXPECT_TRUE(text.ends_with("…")) << text;
    EXPECT_EQ(text, "echo 日本…");  // "echo 日本" is 11 bytes; 語 would need 3 more before the mark's 3
    EXPECT_TRUE(may_be_shortened(text, kField));
    std::string ascii = slot_command_text(std::string(40, 'a'), kField);
    EXPECT_EQ(ascii, std::string(12, 'a') + "…");
    EXPECT_TRUE(may_be_shortened(ascii, kField));
}

TEST(FullCommand, AShortCommandEndingInTheMarkIsNotTakenForAShortenedOne) {
    EXPECT_FALSE(may_be_shortened("echo …", kField));
}

}  // namespace
}  // namespace jobctl::detail
