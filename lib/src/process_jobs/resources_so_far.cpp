// A running job's CPU time so far, read from its cgroup (found through
// the note its runner keeps in the job's folder).

#include "jobctl/process_job.hpp"
#include "system/job_cgroup.hpp"
#include "table/job_table.hpp"

namespace jobctl {

std::optional<ResourceUse> resources_so_far(Repository& repository, const JobInfo& job) {
    if (job.finished() || !job.in_cgroup) return std::nullopt;
    auto cgroup = detail::JobCgroup::noted_in(detail::table_of(repository).job_directory(job.id));
    if (!cgroup) return std::nullopt;  // ended meanwhile, or not yet started
    detail::CgroupCpu cpu = cgroup->cpu();
    ResourceUse use{cpu.user, cpu.system, cgroup->peak_memory_bytes().value_or(0), true};
    return use;
}

}  // namespace jobctl
