#pragma once
// `--json`: one JSON document {"jobs": [...]} with every field of the job model.

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "jobctl/job.hpp"

namespace jobctl {

// "resources": integers in the units their names say; measured_by names
// the counter (get --json, watch --json).
template <class Archive>
void save(Archive& archive, const ResourceUse& use) {
    archive(cereal::make_nvp("user_cpu_us", static_cast<std::int64_t>(use.user_cpu.count())),
            cereal::make_nvp("system_cpu_us", static_cast<std::int64_t>(use.system_cpu.count())),
            cereal::make_nvp("peak_rss_bytes", use.peak_rss_bytes),
            cereal::make_nvp("measured_by", std::string(use.counted_by_cgroup ? "cgroup" : "rusage")));
}

}  // namespace jobctl

namespace jobctl::cli {

void print_job_json(std::ostream& out, const std::vector<JobInfo>& jobs);

// The same document, written a job at a time as they come (`get --json`
// of a million jobs keeps none of them).
class JobJsonWriter {
public:
    explicit JobJsonWriter(std::ostream& out) : out_(out) {}
    void add(const JobInfo& job);
    void finish();  // closes the document

private:
    std::ostream& out_;
    std::size_t added_ = 0;
};

}  // namespace jobctl::cli
