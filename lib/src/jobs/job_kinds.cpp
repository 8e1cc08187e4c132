#include "jobs/job_kinds.hpp"

#include <map>
#include <mutex>

namespace jobctl::detail {
namespace {

struct Registry {
    std::mutex mutex;
    std::map<std::string, JobKindHooks, std::less<>> kinds;
};

Registry& registry() {
    static Registry instance;
    return instance;
}

}  // namespace

void register_job_kind(const std::string& type_name, JobKindHooks hooks) {
    std::lock_guard lock(registry().mutex);
    registry().kinds[type_name] = std::move(hooks);
}

JobKindHooks hooks_of(const JobInfo& job) {
    if (job.type_name.empty()) return {};
    std::lock_guard lock(registry().mutex);
    auto kind = registry().kinds.find(job.type_name);
    return kind == registry().kinds.end() ? JobKindHooks{} : kind->second;
}

}  // namespace jobctl::detail
