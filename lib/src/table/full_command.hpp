#pragma once
// A command longer than its slot's field: the slot keeps its start, marked
// with "…" at the end, and the job's folder keeps the whole text (a file
// named "command"), so that `get --json` and the library still give it
// whole while the job exists.

#include <filesystem>
#include <string>
#include <string_view>

namespace jobctl::detail {

inline constexpr std::string_view kShortenedMark = "…";

// The slot's text for `command`: itself when it fits in `field_size` bytes
// with its terminating zero; otherwise its start (cut at a UTF-8 boundary)
// followed by kShortenedMark.
std::string slot_command_text(std::string_view command, std::size_t field_size);

// Whether `slot_text` may be a shortened command (it ends with the mark and
// fills its field): only then is the job's folder looked at.
bool may_be_shortened(std::string_view slot_text, std::size_t field_size);

// Writes `command` whole into `job_directory`/command (creating the folder),
// replacing the file at once. Errors: system.
void keep_full_command(const std::filesystem::path& job_directory, std::string_view command);

// The whole command kept in `job_directory`, or `slot_text` when none is.
std::string full_command(const std::filesystem::path& job_directory, std::string slot_text);

}  // namespace jobctl::detail
