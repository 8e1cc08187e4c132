#pragma once
// ForEach-Object -Parallel: one parent job, one child job per input. The
// children are thread jobs of one host process whose pool threads spawn
// the commands directly (no worker process per child). The parent's state
// derives from its children: Running while any runs, then Failed if any
// failed, else Stopped if any was stopped, else Completed.

#include <functional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

struct ForeachSpec {
    std::string name;                  // the parent's; empty: "Job<id>"
    std::vector<std::string> command;  // "{}" in any argument is replaced by the input; none: input appended
    std::vector<std::string> inputs;
    unsigned throttle_limit = 5;
};

class ForeachJob {
public:
    // Registers the parent job, owned by this process.
    // Errors: invalid_argument (no command, a bad name, throttle 0);
    // program_not_found; repository_full.
    ForeachJob(Repository& repository, ForeachSpec spec);

    const JobInfo& parent() const { return parent_; }

    // Registers the children and runs them, at most throttle_limit at once;
    // returns when all have finished. `on_child_registered` gets each child's
    // id in input order as it is registered (the first may already run);
    // `on_all_registered` is called once every child is; `on_child_finished`
    // is called from pool threads as each ends. Returns the parent's final copy.
    // Errors: repository_full (the children registered so far are stopped
    // and the parent is recorded Failed first).
    struct Callbacks {
        std::function<void(JobId)> on_child_registered;
        std::function<void()> on_all_registered;
        std::function<void(const JobInfo&)> on_child_finished;
    };
    JobInfo run(const Callbacks& callbacks);

private:
    void update_parent(bool final);

    Repository& repository_;
    ForeachSpec spec_;
    JobInfo parent_;
    std::size_t failed_ = 0, stopped_ = 0;  // children ended so (guarded by run's lock)
};

// --as-job: hands the whole run to a detached host process (its own
// session) and returns the parent job once it and all its children are
// registered. The host is a fork of the caller, not an exec: call it from a
// single-threaded process (the jobctl command does). Errors of the host
// (a full repository, say) are thrown here with their own code.
// Errors: as ForeachJob and run; system (the fork failed, or the host
// ended without answering).
JobInfo start_foreach_job(Repository& repository, const ForeachSpec& spec);

}  // namespace jobctl
