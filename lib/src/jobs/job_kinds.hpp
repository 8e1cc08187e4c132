#pragma once
// What a kind of job adds to the operations on every job, found by its
// type name (a custom job's, or "ssh": a process job that runs over ssh):
// jobs/ calls the hooks without knowing the kinds. A kind
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
    // The job's owner is gone and the job is lost: what to add to its
    // reason ("worker lost"), such as where its work may still go on; "" for nothing.
    std::function<std::string(Repository&, const JobInfo&)> lost_note;
};

// Registers or replaces the hooks of the jobs of type name `type_name`.
void register_job_kind(const std::string& type_name, JobKindHooks hooks);

// The hooks of the job's kind; empty hooks for a kind that registered none.
JobKindHooks hooks_of(const JobInfo& job);

}  // namespace jobctl::detail
