// Submitting to Slurm: check, register (the submitter owns the jobs), submit
// with sbatch, then hand the jobs to a follower. A submission that fails
// leaves nothing registered.

#include <filesystem>
#include <string>
#include <vector>

#include "jobctl/custom_job.hpp"
#include "jobctl/error.hpp"
#include "jobctl/slurm_job.hpp"
#include "jobs/job_lookup.hpp"
#include "process_jobs/command_text.hpp"
#include "process_jobs/foreach_spec.hpp"
#include "process_jobs/program_lookup.hpp"
#include "process_jobs/run_options.hpp"
#include "slurm/batch_script.hpp"
#include "slurm/follower_launch.hpp"
#include "slurm/sbatch_submit.hpp"
#include "slurm/slurm_files.hpp"
#include "system/process_identity.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

constexpr const char* kSlurmType = "slurm";
constexpr const char* kClusterLocation = "slurm";  // until the follower knows the cluster's name

void refuse(const std::string& option) {
    throw Error(ErrorCode::invalid_argument, option + " does not apply to a Slurm job");
}

// The run options that apply on the cluster, checked; errors as start_slurm_job.
RunOptions checked_for_slurm(const RunOptions& run, bool start_conditions) {
    if (run.clear_env) refuse("--clear-env");
    if (run.timeout) refuse("--timeout (a job's time limit on the cluster is --time)");
    if (run.stdin_file == kCallersStdin) refuse("--stdin - (give a file)");
    if (run.max_output) refuse("--max-output (Slurm writes the job's output, not jobctl)");
    if (run.retry.retries != 0) refuse("--retries (Slurm's own --requeue is --slurm-arg=--requeue)");
    if (start_conditions) refuse("--after or --queue (Slurm schedules the job)");
    RunOptions checked = detail::checked_run_options(run);
    checked.cwd = detail::command_cwd(checked);
    return checked;
}

CustomJobSpec job_spec(const std::string& name, const std::string& command,
                       const std::vector<std::string>& labels) {
    return {.type = kSlurmType,
            .name = name,
            .command = command,
            .location = kClusterLocation,
            .can_suspend = true,
            .labels = labels};
}

detail::Submission submission(const std::string& job_name, const std::filesystem::path& folder,
                              const RunOptions& run, bool array) {
    auto path = [&](OutputStream stream) {
        return array ? detail::slurm_file_pattern(folder, stream)
                     : detail::slurm_file(folder, std::nullopt, stream).string();
    };
    detail::Submission submission;
    submission.job_name = job_name;
    submission.output_path = path(OutputStream::out);
    submission.error_path = path(OutputStream::err);
    submission.chdir = run.cwd.string();
    submission.input_path = run.stdin_file.string();
    return submission;
}

// Submits, then hands the registered jobs (`family[0]` and the rest) to a
// follower; on any failure, erases them and their files, and rethrows.
JobInfo submit_and_follow(Repository& repository, std::vector<CustomJob>& family,
                          detail::Submission submission, const SlurmOptions& slurm,
                          const std::filesystem::path& worker, const std::filesystem::path& folder,
                          bool caller_exits_soon) {
    JobId id = family[0].id();
    std::string slurm_id;
    try {
        slurm_id = detail::submit_batch(slurm, submission);
    } catch (...) {
        for (CustomJob& job : family) {
            detail::table_of(repository).erase(job.id());
            job.release();
        }
        std::error_code ignored;
        std::filesystem::remove_all(folder, ignored);
        std::filesystem::remove_all(detail::table_of(repository).job_directory(id), ignored);
        throw;
    }
    // From here the job runs on the cluster whatever happens to us: it is
    // never erased, and should the follower not start, the next look at the
    // job (liveness) starts one.
    std::vector<JobId> ids;
    std::vector<std::string> slurm_ids;
    for (CustomJob& job : family) {
        job.release();
        ids.push_back(job.id());
        slurm_ids.push_back(ids.size() == 1 ? slurm_id : slurm_id + "_" + std::to_string(ids.size() - 2));
    }
    detail::lifecycle_of(repository).set_external_ids(ids, slurm_ids);
    try {
        detail::hand_to_follower(repository, id, ProcessIdentity::self(), worker, caller_exits_soon);
    } catch (const Error&) {
        // Submitted and registered all the same: reporting a failure would invite a second submission.
    }
    return repository.find(id).value_or(JobInfo{});
}

}  // namespace

JobInfo start_slurm_job(Repository& repository, const ProcessJobSpec& spec, const SlurmOptions& slurm,
                        const std::filesystem::path& worker_path) {
    if (spec.argv.empty() || spec.argv[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (!spec.name.empty()) check_job_name(spec.name);
    if (!spec.on_finish.empty()) refuse("--on-finish");
    detail::check_slurm_options(slurm);
    RunOptions run =
        checked_for_slurm(spec.run, !spec.start_when.after.empty() || !spec.start_when.queue.empty());
    std::filesystem::path worker = detail::checked_worker(worker_path);

    std::vector<CustomJob> family;
    family.push_back(
        CustomJob::add(repository, job_spec(spec.name, detail::command_text(spec.argv), spec.labels)));
    JobId id = family[0].id();
    std::filesystem::path folder;
    detail::Submission batch;
    try {
        folder = detail::make_slurm_folder(repository, id);
        batch =
            submission(spec.name.empty() ? "jobctl-" + std::to_string(id) : spec.name, folder, run, false);
        batch.script = detail::batch_script({.argv = spec.argv,
                                             .environment = run.env,
                                             .status_file = detail::slurm_file(folder, {}, {}).string()});
    } catch (...) {
        detail::table_of(repository).erase(id);
        family[0].release();
        throw;
    }
    return submit_and_follow(repository, family, batch, slurm, worker, folder, spec.caller_exits_soon);
}

JobInfo start_slurm_array(Repository& repository, const SlurmArraySpec& spec, const SlurmOptions& slurm,
                          const std::filesystem::path& worker_path) {
    if (spec.argv.empty() || spec.argv[0].empty())
        throw Error(ErrorCode::invalid_argument, "no command given (put it after '--')");
    if (spec.inputs.empty()) throw Error(ErrorCode::invalid_argument, "no inputs: nothing to submit");
    if (!spec.name.empty()) check_job_name(spec.name);
    detail::check_slurm_options(slurm);
    RunOptions run = checked_for_slurm(spec.run, false);
    std::filesystem::path worker = detail::checked_worker(worker_path);

    std::vector<std::vector<std::string>> commands;
    std::vector<CustomJobSpec> children;
    for (const std::string& input : spec.inputs) {
        std::vector<std::string> argv = detail::expand_command(spec.argv, input);
        children.push_back(job_spec("", detail::command_text(argv), spec.labels));
        commands.push_back(std::move(argv));
    }
    std::vector<CustomJob> family = CustomJob::add_family(
        repository, job_spec(spec.name, detail::command_text(spec.argv), spec.labels), children);
    JobId id = family[0].id();
    std::filesystem::path folder;
    detail::Submission batch;
    try {
        folder = detail::make_slurm_folder(repository, id);
        batch = submission(spec.name.empty() ? "jobctl-" + std::to_string(id) : spec.name, folder, run, true);
        batch.array = "0-" + std::to_string(spec.inputs.size() - 1) +
                      (spec.throttle > 0 ? "%" + std::to_string(spec.throttle) : "");
        batch.script = detail::array_batch_script(commands, run.env, detail::slurm_file_pattern(folder, {}));
    } catch (...) {
        for (CustomJob& job : family) {
            detail::table_of(repository).erase(job.id());
            job.release();
        }
        throw;
    }
    return submit_and_follow(repository, family, batch, slurm, worker, folder, false);
}

}  // namespace jobctl
