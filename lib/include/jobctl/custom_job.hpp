#pragma once
// Custom jobs: a job of any kind a program runs itself (PowerShell's custom
// Job class, as -AsJob uses it), in the same repository as every other job.
// The program registers it, then reports its state, output and outcome
// through a CustomJob; every process sees it, and `jobctl get`, `wait`,
// `receive`, `stop`, `suspend` and `resume` work on it as on any job. A
// stop, suspend or resume asked by another process reaches the program as a
// ControlRequest, which it carries out and answers with the new state.
//
// The process that registers a custom job owns it: if that process dies
// with the job unfinished, the first reader marks it Failed ("host lost").
// Slurm jobs (`--on slurm`) are custom jobs of type "slurm", run this way by
// a jobctl-worker.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {
namespace detail {
class CustomJobAccess;
}

struct CustomJobSpec {
    // Its Type in listings: 1 to 15 of a-z, 0-9, '-' and '_', not the name
    // of a built-in type (process, thread, scheduled, custom).
    std::string type{};
    std::string name{};                 // empty: "Job<id>"
    std::string command{};              // what it does, as listings show it
    std::string location{};             // where it runs; empty: this host's name
    std::string external_id{};          // its own name where it runs, if known yet
    bool can_suspend = false;           // it carries out suspend and resume requests
    std::vector<std::string> labels{};  // KEY=VALUE (check_labels)
};

// What other processes asked of a job that its runner has not carried out yet.
enum class ControlRequest { none, stop, suspend, resume };

class CustomJob {
public:
    // Registers the job, NotStarted, owned by the calling process.
    // Errors: invalid_argument (a bad type or name), repository_full.
    static CustomJob add(Repository& repository, const CustomJobSpec& spec);
    // Registers a parent and its children, all or none (see JobTable):
    // element 0 is the parent, then the children in order. The parent's
    // state is its runner's to set, as for any custom job.
    static std::vector<CustomJob> add_family(Repository& repository, const CustomJobSpec& parent,
                                             const std::vector<CustomJobSpec>& children);

    CustomJob(CustomJob&& other) noexcept;
    CustomJob& operator=(CustomJob&& other) = delete;
    CustomJob(const CustomJob&) = delete;
    CustomJob& operator=(const CustomJob&) = delete;
    // A job still unfinished when its handle goes ends Failed ("its runner
    // gave it up"): nothing else would ever end it. release() prevents that.
    ~CustomJob();

    JobId id() const { return id_; }
    JobInfo info() const;

    // A state that is not an outcome: NotStarted or Blocked (waiting, the
    // reason says for what), Running, Suspended. Ignored once finished.
    void set_state(JobState state, std::string_view reason = {});
    void set_location(std::string_view location);
    void set_external_id(std::string_view external_id);
    // Appends to the job's output (what `receive` gives); a record at a time.
    void write(OutputStream stream, std::string_view bytes);
    void progress(double fraction, std::string_view text = {});
    // The outcome: Completed, Failed or Stopped, why, and the exit status if
    // there is one. The first outcome counts; the job is then finished.
    void finish(JobState outcome, std::string_view reason = {}, std::optional<int> exit_code = {},
                std::optional<int> term_signal = {});

    // The request not yet carried out, if any: stop wins; suspend until the
    // runner sets Suspended; resume once a suspended job is resumed.
    ControlRequest pending_request() const;
    // Sleeps until there is a request or the timeout passes.
    ControlRequest wait_for_request(std::chrono::milliseconds timeout) const;
    // The runner cannot carry out the suspend asked for: the request is
    // withdrawn, the job goes on Running, and `why` becomes its reason.
    void refuse_suspend(std::string_view why);

    // Lets the job go unfinished (another process will run it on).
    void release() { owned_ = false; }

private:
    CustomJob(Repository& repository, JobId id);
    friend class detail::CustomJobAccess;

    Repository* repository_;
    JobId id_;
    bool owned_ = true;       // unfinished, and not released
    bool suspended_ = false;  // this runner suspended it and has not resumed it
};

}  // namespace jobctl
