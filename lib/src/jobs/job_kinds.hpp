#pragma once
// What a kind of custom job adds to the operations on every job, found by
// its type name: jobs/ calls the hooks without knowing the kinds. A kind
// registers itself once per process, before any repository is opened
// (api/repository_open.cpp registers the library's own: slurm).

#include <functional>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::detail {

struct JobKindHooks {
    // The job's owner is gone. True if the kind took the job over (it runs
    // on elsewhere, and a new owner follows it): then it is not lost.
    std::function<bool(Repository&, const JobInfo&)> replace_lost_owner;
};

// Registers or replaces the hooks of custom jobs of type `type_name`.
void register_job_kind(const std::string& type_name, JobKindHooks hooks);

// The hooks of the job's kind; empty hooks for a kind that registered none.
JobKindHooks hooks_of(const JobInfo& job);

}  // namespace jobctl::detail
