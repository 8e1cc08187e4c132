#include "table/full_command.hpp"

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "jobctl/error.hpp"
#include "table/repository_location.hpp"
#include "text/display_text.hpp"

namespace jobctl::detail {
namespace {

constexpr const char* kCommandFile = "command";

// The longest start of `text` of at most `limit` bytes that ends at a UTF-8
// character boundary.
std::string_view utf8_prefix(std::string_view text, std::size_t limit) {
    if (text.size() <= limit) return text;
    std::size_t length = limit;
    while (length > 0 && (static_cast<unsigned char>(text[length]) & 0xC0) == 0x80) --length;
    return text.substr(0, length);
}

}  // namespace

std::string slot_command_text(std::string_view command, std::size_t field_size) {
    if (command.size() < field_size) return std::string(command);
    std::string text(utf8_prefix(command, field_size - 1 - kShortenedMark.size()));
    return text.append(kShortenedMark);
}

bool may_be_shortened(std::string_view slot_text, std::size_t field_size) {
    // A cut at a character boundary leaves up to three bytes of the field unused.
    return slot_text.ends_with(kShortenedMark) && slot_text.size() + 4 >= field_size;
}

void keep_full_command(const std::filesystem::path& job_directory, std::string_view command) {
    ensure_private_directory(job_directory.parent_path());
    ensure_private_directory(job_directory);
    std::filesystem::path file = job_directory / kCommandFile;
    std::filesystem::path partial = job_directory / (std::string(kCommandFile) + ".partial");
    {
        std::ofstream out(partial, std::ios::binary | std::ios::trunc);
        out.write(command.data(), static_cast<std::streamsize>(command.size()));
        if (!out.flush()) throw_system_error("cannot write " + partial.string(), errno);
    }
    if (::rename(partial.c_str(), file.c_str()) != 0)
        throw_system_error("cannot write " + file.string(), errno);
}

std::string full_command(const std::filesystem::path& job_directory, std::string slot_text) {
    std::ifstream in(job_directory / kCommandFile, std::ios::binary);
    if (!in) return slot_text;
    std::string whole{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    // Only a file that begins as the slot does belongs to this job (an id
    // handed out again after a damaged table could find an old folder).
    std::string_view start = std::string_view(slot_text).substr(0, slot_text.size() - kShortenedMark.size());
    if (!in.bad() && whole.starts_with(start)) return to_valid_utf8(whole);
    return slot_text;
}

}  // namespace jobctl::detail
