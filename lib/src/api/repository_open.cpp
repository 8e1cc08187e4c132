// Repository::open, the way into the library: it wires the library's rooms
// together before the first repository is used. Job kinds register their
// hooks here (slurm/ its lost-follower replacement, ssh jobs their lost
// note), so that jobs/ never
// names them and no program that opens a repository runs without them.

#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>

#include "jobctl/error.hpp"
#include "jobctl/repository.hpp"
#include "process_jobs/ssh_resume.hpp"
#include "slurm/slurm_kind.hpp"
#include "table/slot_limits.hpp"

namespace jobctl {
namespace {

void register_job_kinds() {
    static std::once_flag registered;
    std::call_once(registered, [] {
        detail::register_slurm_job_kind();
        detail::register_ssh_job_kind();
    });
}

std::uint32_t capacity_from_environment() {
    const char* text = std::getenv("JOBCTL_CAPACITY");
    if (text == nullptr || *text == '\0') return Repository::kDefaultCapacity;
    char* end = nullptr;
    unsigned long value = std::strtoul(text, &end, 10);
    if (*end != '\0' || value == 0 || value > detail::kMaxCapacity)
        throw Error(ErrorCode::invalid_argument, "JOBCTL_CAPACITY must be a number of jobs between 1 and " +
                                                     std::to_string(detail::kMaxCapacity) + ", not '" +
                                                     std::string(text) + "'");
    return static_cast<std::uint32_t>(value);
}

}  // namespace

Repository Repository::open() {
    register_job_kinds();
    return open_table(default_name(), capacity_from_environment);
}

Repository Repository::open(const std::string& name, std::uint32_t capacity_if_created) {
    register_job_kinds();
    return open_table(name, [=] { return capacity_if_created; });
}

}  // namespace jobctl
