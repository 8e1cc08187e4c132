// Fuzz target: the output-log reader on a damaged log. The input's first 16
// bytes are a window [from, to) to read (little-endian); the rest is the log.
// The reader must deliver whole records of known streams inside the window,
// or throw a jobctl::Error; so must `receive` of a job with that log.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "fuzz_sandbox.hpp"
#include "fuzz_template.hpp"
#include "jobctl/error.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/repository.hpp"
#include "output/output_log.hpp"
#include "table/job_table.hpp"
#include "table/slot_patch.hpp"

using jobctl::fuzz::fail;

namespace {

std::uint64_t little_endian(const std::uint8_t* bytes) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = value << 8 | bytes[i];
    return value;
}

std::string record(jobctl::OutputStream stream, const std::string& bytes) {
    jobctl::OutputRecordHeader header{
        static_cast<std::uint32_t>(bytes.size()), static_cast<std::uint8_t>(stream), {}, 1700000000000000000};
    return std::string(reinterpret_cast<const char*>(&header), sizeof header) + bytes;
}

std::string window(std::uint64_t from, std::uint64_t to) {
    std::string bytes(16, '\0');
    for (int i = 0; i < 8; ++i) {
        bytes[i] = static_cast<char>(from >> (8 * i));
        bytes[8 + i] = static_cast<char>(to >> (8 * i));
    }
    return bytes;
}

// Reads [from, to) and checks what comes out.
void read_window(const std::filesystem::path& directory, std::uint64_t from, std::uint64_t to) {
    jobctl::OutputLogReader reader(directory);
    std::uint64_t delivered = 0;
    try {
        std::uint64_t end = reader.read(from, to, [&](jobctl::OutputStream stream, std::string_view bytes) {
            if (stream < jobctl::OutputStream::out || stream > jobctl::OutputStream::info)
                fail("a record of no stream was delivered");
            if (bytes.size() > jobctl::kMaxRecordLength) fail("a record longer than the limit was delivered");
            delivered += sizeof(jobctl::OutputRecordHeader) + bytes.size();
        });
        if (end < from || (end > to && end != from)) fail("the reader ended outside its window");
        if (end - from != delivered) fail("the reader skipped bytes it did not deliver");
    } catch (const jobctl::Error& error) {
        if (std::string(error.what()).empty()) fail("an error without a message");
    }
}

std::unique_ptr<jobctl::Repository> repository;
jobctl::JobId job = 0;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) {
    jobctl::fuzz::fuzz_home();
    jobctl::Repository::destroy("log");
    repository = std::make_unique<jobctl::Repository>(jobctl::Repository::open("log", 4));
    job =
        jobctl::detail::table_of(*repository).add({"log", jobctl::JobType::thread, "log", 0, 0, 0, true}).id;
    std::string valid = record(jobctl::OutputStream::out, "hello\n") +
                        record(jobctl::OutputStream::err, "oops\n") +
                        record(jobctl::OutputStream::result, "{\"result\": 1}");
    jobctl::fuzz::write_seed("whole", window(0, valid.size()) + valid);
    jobctl::fuzz::write_seed("middle", window(22, valid.size()) + valid);
    jobctl::fuzz::write_seed("cut", window(0, valid.size()) + valid.substr(0, valid.size() - 3));
    jobctl::fuzz::write_seed("empty", window(0, 0));
    jobctl::fuzz::write_seed("far", window(~0ull - 20, ~0ull) + valid);
    jobctl::fuzz::enter_sandbox_unless_merging(argc, argv);
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 16) return 0;
    std::uint64_t from = little_endian(data);
    std::uint64_t to = little_endian(data + 8);
    auto directory = jobctl::detail::table_of(*repository).job_directory(job);
    std::filesystem::create_directories(directory);
    jobctl::fuzz::write_file((directory / jobctl::kOutputLogFileName).string(), data + 16, size - 16);
    read_window(directory, 0, size - 16);
    read_window(directory, from, to);
    // `receive` of a job whose log this is, from a read offset of `from`.
    jobctl::detail::SlotPatch::update(jobctl::detail::table_of(*repository), job,
                                      [&](jobctl::detail::JobSlot& slot) {
                                          slot.output_bytes = size - 16;
                                          slot.read_offset = from % (size - 15);
                                          return true;
                                      });
    try {
        jobctl::receive_output(*repository, job, {.keep = false, .follow = false},
                               [](jobctl::OutputStream, std::string_view) {});
    } catch (const jobctl::Error& error) {
        if (std::string(error.what()).empty()) fail("an error without a message");
    }
    return 0;
}
