#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "job_json.hpp"
#include "job_selection.hpp"
#include "jobctl/job_queue.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"
#include "jobs_table_printer.hpp"
#include "run_option_flags.hpp"
#include "slurm_option_flags.hpp"

namespace jobctl::cli {

namespace {

struct StartOptions {
    std::string name;
    std::vector<std::string> command;
    std::optional<std::chrono::milliseconds> timeout;
    bool json = false;
    bool quiet = false;
    RunOptions run;
    std::vector<std::string> after;
    bool after_any_outcome = false;
    std::string queue;
    int priority = 0;
    std::string on_finish;
    std::vector<std::string> labels;
    SlurmFlags slurm;
};

void start(const StartOptions& options) {
    options.slurm.check();
    auto repository = Repository::open();
    // This process exits right after: the worker may be its direct child.
    ProcessJobSpec spec{
        .name = options.name, .argv = options.command, .caller_exits_soon = true, .run = options.run};
    std::vector<JobInfo> jobs = options.after.empty() ? std::vector<JobInfo>{} : repository.list();
    for (const std::string& token : options.after)
        spec.start_when.after.push_back(resolve_job(jobs, token).id);
    spec.start_when.after_any_outcome = options.after_any_outcome;
    spec.start_when.queue = options.queue;
    spec.start_when.priority = options.priority;
    spec.run.timeout = options.timeout;
    spec.on_finish = options.on_finish;
    spec.labels = options.labels;
    options.slurm.add_local_limits(spec.run);
    JobInfo job = options.slurm.on_slurm() ? start_slurm_job(repository, spec, options.slurm.options)
                  : options.slurm.on_ssh() ? start_ssh_job(repository, spec, options.slurm.ssh())
                                           : start_process_job(repository, spec);
    if (options.quiet)
        std::cout << job.id << '\n';
    else if (options.json)
        print_job_json(std::cout, {job}, &repository);
    else
        print_job_table(std::cout, {job});
}

}  // namespace

void add_start_command(CLI::App& app, int&) {
    auto options = std::make_shared<StartOptions>();
    CLI::App* command = app.add_subcommand("start", "Start a command as a background job (Start-Job)");
    command->footer(
        "Example: jobctl start --name build -- make -j2\n"
        "Unless told otherwise, the job runs in the current folder with the current environment;\n"
        "its stdin is /dev/null. It outlives this shell; its output is kept until received.\n"
        "With --on slurm it is submitted to the Slurm cluster (sbatch) and followed from here:\n"
        "  jobctl start --on slurm --partition debug --time 10 -- ./simulate --steps 100\n"
        "With --on ssh:HOST it runs on HOST over ssh, its output arriving here; where jobctl is\n"
        "installed there, as a job of the remote user's jobctl, which a dropped connection does not end\n"
        "(get --json: \"remote_mode\": \"jobctl\"):\n"
        "  jobctl start --on ssh:build@server1 --cwd src/app -- make test");
    add_name_option(*command, options->name, "Job name (default Job<id>; at most 63 bytes)");
    add_time_limit_option(*command, options->timeout);
    auto* json = command->add_flag("--json", options->json, "Print the job as JSON");
    command->add_flag("-q,--quiet", options->quiet, "Print only the job id")->excludes(json);
    add_run_option_flags(*command, options->run, "; '-': this stdin, read to its end first");
    command
        ->add_option("--after", options->after,
                     "Run once these jobs (ids or names, at most 8: repeat, or separate with commas) have "
                     "finished; Blocked until then")
        ->type_name("JOBS")
        ->allow_extra_args(false)  // one value per --after: the command after it is never taken for more
        ->delimiter(',');
    command->add_flag("--after-any-outcome", options->after_any_outcome,
                      "Run after them even if one did not end Completed");
    command
        ->add_option("--queue", options->queue, "Wait (Blocked) for a slot in this queue; see 'jobctl queue'")
        ->type_name("QUEUE");
    command
        ->add_option("--priority", options->priority,
                     "Its place in the queue: higher starts first, then the earlier start (default 0)")
        ->type_name("N")
        ->check(CLI::Range(kMinPriority, kMaxPriority));
    add_retry_options(*command, options->run.retry, "the command");
    add_finish_hook_option(*command, "--on-finish", options->on_finish, "the job");
    add_label_option(*command, options->labels, "the job");
    add_slurm_option_flags(*command, options->slurm);
    command->add_option("command", options->command, "The command and its arguments, after --")->required();
    command->positionals_at_end();
    command->callback([options] { start(*options); });
}

}  // namespace jobctl::cli
