// The durable mode's wire (ssh/relay_frames.hpp) and the remote line's
// choice between the relay and the wrapper (ssh/remote_command.hpp), here
// without a host: the remote line runs in a local sh.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "jobctl/error.hpp"
#include "ssh/relay_frames.hpp"
#include "ssh/remote_command.hpp"

namespace jobctl::detail {
namespace {

struct Heard {
    std::string out, err, control;
    std::vector<RemoteMode> modes;
};

RelayDecoder decoder_into(Heard& heard) {
    return RelayDecoder({[&](OutputStream stream, std::string_view bytes) {
                             (stream == OutputStream::err ? heard.err : heard.out).append(bytes);
                         },
                         [&](RelayFrameKind kind, std::string_view bytes) {
                             heard.control +=
                                 std::to_string(static_cast<int>(kind)) + "=" + std::string(bytes) + ";";
                         },
                         [&](RemoteMode mode) { heard.modes.push_back(mode); }});
}

TEST(RelayFrames, FramesFedAByteAtATimeComeOutWholeAndInOrder) {
    std::string wire = "motd line\n" + std::string(kRelayMarker) +
                       encode_frame(static_cast<std::uint8_t>(RelayFrameKind::started), "7") +
                       encode_frame(static_cast<std::uint8_t>(OutputStream::out), "one\n") +
                       encode_frame(static_cast<std::uint8_t>(OutputStream::err), "two\n") +
                       encode_frame(static_cast<std::uint8_t>(OutputStream::out), std::string(70000, 'x'));
    Heard heard;
    RelayDecoder decoder = decoder_into(heard);
    for (char c : wire) decoder.feed(std::string_view(&c, 1));
    EXPECT_EQ(decoder.mode(), RemoteMode::relay);
    EXPECT_EQ(heard.out, "motd line\none\n" + std::string(70000, 'x'));  // a login script's line first
    EXPECT_EQ(heard.err, "two\n");
    EXPECT_EQ(heard.control, "16=7;");
    EXPECT_EQ(heard.modes, std::vector<RemoteMode>{RemoteMode::relay});  // once, before the first frame
}

TEST(RelayFrames, TheWrappersWordThatNoJobctlIsThereIsAModeOfItsOwn) {
    Heard heard;
    RelayDecoder decoder = decoder_into(heard);
    decoder.feed(kMissingMarker);
    EXPECT_EQ(decoder.mode(), RemoteMode::missing);
    EXPECT_EQ(heard.out, "");
}

TEST(RelayFrames, AfterTheWrapperMarkerEverythingIsTheCommandsOwn) {
    Heard heard;
    RelayDecoder decoder = decoder_into(heard);
    decoder.feed(std::string(kWrapperMarker) + "out");
    decoder.feed(std::string("\0\0\0\0\x11", 5));
    EXPECT_EQ(decoder.mode(), RemoteMode::wrapper);
    EXPECT_EQ(heard.out, "out" + std::string("\0\0\0\0\x11", 5));
}

TEST(RelayFrames, WhatIsNoFrameIsRefused) {
    Heard heard;
    RelayDecoder decoder = decoder_into(heard);
    decoder.feed(kRelayMarker);
    EXPECT_THROW(decoder.feed(encode_frame(9, "?")), Error);
    RelayDecoder oversized = decoder_into(heard);
    oversized.feed(kRelayMarker);
    std::string header = encode_frame(1, "");
    header[3] = '\x7f';  // a length of 2 GiB
    EXPECT_THROW(oversized.feed(header), Error);
}

TEST(RelayFrames, RequestsAndOutcomesRoundTripAndJunkIsRefused) {
    RelayRequest follow{.name = "", .again = false, .job = 12, .skip = 4096, .stop = std::chrono::seconds(5)};
    auto back = decode_request(encode_request(follow));
    ASSERT_TRUE(back);
    EXPECT_EQ(back->job, 12u);
    EXPECT_EQ(back->skip, 4096u);
    EXPECT_EQ(back->stop, std::chrono::seconds(5));
    RelayRequest start_again;
    start_again.name = "from-a-1-ff";
    start_again.again = true;
    auto again = decode_request(encode_request(start_again));
    ASSERT_TRUE(again);
    EXPECT_TRUE(again->again);
    EXPECT_EQ(again->name, "from-a-1-ff");
    for (const char* junk : {"", "follow:0:0:0", "follow:1:-5:0", "start::0", "stop:1", "follow:1:0:-5",
                             "follow:99999999999:0:0", "start:x:99999999999"})
        EXPECT_FALSE(decode_request(junk)) << junk;
    RemoteOutcome outcome{JobState::failed, 3, 0, "exited with code 3; and\nmore"};
    auto decoded = decode_outcome(encode_outcome(outcome));
    ASSERT_TRUE(decoded);
    EXPECT_EQ(decoded->state, JobState::failed);
    EXPECT_EQ(decoded->exit_code, 3);
    EXPECT_EQ(decoded->reason, outcome.reason);
    EXPECT_FALSE(decode_outcome("Sideways\n1\n0\n"));
    EXPECT_FALSE(decode_outcome("Running\n\n0\n"));  // only a final state ends the job here
}

// The remote line run by a local sh whose PATH has no jobctl: its exit
// status, and whether the command ran (it makes `mark`).
int run_remote_line(const std::string& request, const std::filesystem::path& mark) {
    std::string line = remote_line({}, {"touch", mark.string()}, std::chrono::seconds(1), request);
    // Its stdin is the control line: open until it has run (its end would stop the command).
    int control[2];
    if (::pipe(control) != 0) return -1;
    pid_t child = ::fork();
    if (child == 0) {
        ::dup2(control[0], 0);
        ::close(control[0]);
        ::close(control[1]);
        std::FILE* quiet = std::freopen("/dev/null", "w", stdout);
        (void)quiet;
        char* const environment[] = {const_cast<char*>("PATH=/usr/bin:/bin"), nullptr};
        ::execle("/bin/sh", "sh", "-c", line.c_str(), static_cast<char*>(nullptr), environment);
        ::_exit(127);
    }
    ::close(control[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::close(control[1]);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(RemoteLine, WithoutJobctlThereOnlyAFirstStartFallsBackToTheWrapper) {
    std::filesystem::path mark =
        std::filesystem::temp_directory_path() / ("jobctl-remote-line-" + std::to_string(::getpid()));
    std::filesystem::remove(mark);
    for (const char* request : {"follow:3:100:0", "again:from-x-1-ab:0"}) {
        EXPECT_EQ(run_remote_line(request, mark), 255) << request;  // as a lost connection: try again
        EXPECT_FALSE(std::filesystem::exists(mark)) << request << " ran the command a second time";
    }
    EXPECT_EQ(run_remote_line("start:from-x-1-ab:0", mark), 0);
    EXPECT_TRUE(std::filesystem::exists(mark));
    std::filesystem::remove(mark);
}

}  // namespace
}  // namespace jobctl::detail
