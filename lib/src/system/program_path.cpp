#include "system/program_path.hpp"

#include <sys/stat.h>
#include <unistd.h>

namespace jobctl::detail {

bool is_executable_file(const std::filesystem::path& path) {
    struct stat status {};
    return ::stat(path.c_str(), &status) == 0 && S_ISREG(status.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::optional<std::filesystem::path> find_program(const std::string& program,
                                                  const std::optional<std::string>& path,
                                                  const std::filesystem::path& cwd) {
    if (program.empty()) return std::nullopt;
    // `cwd / candidate` is the candidate itself when that is absolute.
    if (program.find('/') != std::string::npos) {
        if (is_executable_file(cwd / program)) return std::filesystem::path(program);
        return std::nullopt;
    }
    std::string directories = path.value_or("/usr/local/bin:/usr/bin:/bin");
    std::size_t start = 0;
    for (;;) {
        std::size_t end = directories.find(':', start);
        std::string directory =
            directories.substr(start, end == std::string::npos ? std::string::npos : end - start);
        auto candidate = std::filesystem::path(directory.empty() ? "." : directory) / program;
        if (is_executable_file(cwd / candidate)) return candidate;
        if (end == std::string::npos) return std::nullopt;
        start = end + 1;
    }
}

}  // namespace jobctl::detail
