#pragma once
// A file only this user may read, written whole: to a temporary name, then
// renamed into place, mode 0600 whatever the umask (what it holds may be a
// secret: a job's environment, a hook's command).

#include <filesystem>
#include <string_view>

namespace jobctl::detail {

// Errors: system (it cannot be written; the temporary file is removed).
void write_private_file(const std::filesystem::path& file, std::string_view bytes);

}  // namespace jobctl::detail
