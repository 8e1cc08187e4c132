#include <unistd.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_json.hpp"
#include "job_selection.hpp"
#include "jobctl/process_job.hpp"
#include "jobs_table_printer.hpp"
#include "live_table.hpp"
#include "terminal_style.hpp"

namespace jobctl::cli {

void add_get_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        bool json = false;
        bool watch = false;
        bool resources = false;
        ColorChoice color = ColorChoice::automatic;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("get", "List jobs (Get-Job)");
    command->footer(
        "Examples: jobctl get; jobctl get build; jobctl get 'ci-*' --after 2h; jobctl get --state Failed "
        "--json;\njobctl get --watch");
    add_selector_options(*command, options->selector);
    options->selector.every_match = true;  // it only reads: every job of a name
    add_include_children_flag(*command, options->selector);
    auto* json = command->add_flag("--json", options->json, "Print one JSON document with every field");
    auto* watch =
        command
            ->add_flag("-w,--watch", options->watch,
                       "Redraw the table in place whenever a job changes, until Ctrl-C (a terminal only)")
            ->excludes(json);
    command
        ->add_flag("--resources", options->resources,
                   "Show run time, CPU time (user, system) and peak memory instead of the usual columns "
                   "(measured once a process job or foreach child has ended; CPU so far while it runs, where "
                   "its cgroup can tell)")
        ->excludes(json)
        ->excludes(watch);
    add_color_option(*command, options->color);
    command->callback([options] {
        auto repository = Repository::open();
        bool color = use_color(options->color, STDOUT_FILENO);
        if (options->watch) show_live_table(repository, options->selector, color);
        auto jobs = select_jobs(repository, options->selector, true);
        if (options->json || options->resources)
            for (JobInfo& job : jobs)
                if (!job.resources) job.resources = resources_so_far(repository, job);
        if (options->json)
            print_job_json(std::cout, jobs);
        else if (!jobs.empty())
            print_job_table(std::cout, jobs, color, output_columns(),
                            options->resources ? TableView::resources : TableView::jobs);
    });
}

}  // namespace jobctl::cli
