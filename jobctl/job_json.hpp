#pragma once
// `--json`: one JSON document {"jobs": [...]} with every field of the job model.

#include <cereal/cereal.hpp>
#include <cereal/types/string.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/repository.hpp"

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

// "on_finish": the command, how it ended ("" until the job has), and its log.
template <class Archive>
void save(Archive& archive, const FinishHook& hook) {
    archive(cereal::make_nvp("command", hook.command), cereal::make_nvp("result", hook.result),
            cereal::make_nvp("log", hook.log.string()));
}

}  // namespace jobctl

namespace jobctl::cli {

void print_job_json(std::ostream& out, const std::vector<JobInfo>& jobs,
                    const Repository* repository = nullptr);

// The same document, written a job at a time as they come (`get --json`
// of a million jobs keeps none of them).
class JobJsonWriter {
public:
    // With `repository`, a job with a finish hook shows it ("on_finish").
    explicit JobJsonWriter(std::ostream& out, const Repository* repository = nullptr)
        : out_(out), repository_(repository) {}
    void add(const JobInfo& job);
    void finish();  // closes the document

private:
    std::ostream& out_;
    const Repository* repository_;
    std::size_t added_ = 0;
};

}  // namespace jobctl::cli
