#include "system/boot_id.hpp"

#include <cstdlib>
#include <fstream>

namespace jobctl::detail {

std::string current_boot_id() {
    if (const char* seam = std::getenv("JOBCTL_BOOT_ID"); seam != nullptr && *seam != '\0') return seam;
    std::ifstream file("/proc/sys/kernel/random/boot_id");
    std::string id;
    std::getline(file, id);
    return id.empty() ? "unknown" : id;
}

}  // namespace jobctl::detail
