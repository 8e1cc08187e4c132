#include <iostream>
#include <memory>

#include "commands.hpp"
#include "duration_option.hpp"
#include "job_json.hpp"
#include "job_selection.hpp"
#include "job_table.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl::cli {

void add_start_command(CLI::App& app, int&) {
    struct Options {
        std::string name;
        std::vector<std::string> command;
        std::optional<std::chrono::milliseconds> timeout;
        bool json = false;
        bool quiet = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("start", "Start a command as a background job (Start-Job)");
    command->footer(
        "Example: jobctl start --name build -- make -j2\n"
        "The job runs in the current directory with the current environment; its stdin is "
        "/dev/null.\nIt outlives this shell; its output is kept until received.");
    add_name_option(*command, options->name, "Job name (default Job<id>; at most 63 bytes)");
    add_time_limit_option(*command, options->timeout);
    auto* json = command->add_flag("--json", options->json, "Print the job as JSON");
    command->add_flag("-q,--quiet", options->quiet, "Print only the job id")->excludes(json);
    command->add_option("command", options->command, "The command and its arguments, after --")->required();
    command->positionals_at_end();
    command->callback([options] {
        auto repository = Repository::open();
        // This process exits right after: the worker may be its direct child.
        ProcessJobSpec spec{options->name, options->command, true};
        spec.run.timeout = options->timeout;
        JobInfo job = start_process_job(repository, spec);
        if (options->quiet)
            std::cout << job.id << '\n';
        else if (options->json)
            print_job_json(std::cout, {job});
        else
            print_job_table(std::cout, {job});
    });
}

}  // namespace jobctl::cli
