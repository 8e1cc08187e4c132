#include <unistd.h>

#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_json.hpp"
#include "job_selection.hpp"
#include "jobctl/error.hpp"
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
        "--json;\njobctl get --watch\n"
        "Jobs are printed as the table is read, so a listing of many starts at once: the first 1000 set "
        "the columns (Queue and Progress appear if one of them has one) and their widths, and a later name, "
        "location, queue or progress wider than its column is cut (…); ids, types and states never are. "
        "--json is never cut.");
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
        // Printed as the table is read where the selection allows it: a
        // listing of a million jobs starts at once and keeps none of them.
        auto each_selected = [&](const std::function<void(JobInfo&)>& print,
                                 const std::function<void(JobId)>& before_first = nullptr) {
            auto with_resources = [&](JobInfo& job) {
                if ((options->json || options->resources) && !job.resources)
                    job.resources = resources_so_far(repository, job);
                print(job);
                check_listing_written();
            };
            if (!visit_selected(repository, options->selector, with_resources, before_first))
                for (JobInfo& job : select_jobs(repository, options->selector, true)) with_resources(job);
        };
        if (options->json) {
            JobJsonWriter writer(std::cout, &repository);
            each_selected([&](JobInfo& job) { writer.add(job); });
            writer.finish();
            check_listing_written();
            return;
        }
        JobTablePrinter printer(std::cout, color, output_columns(),
                                options->resources ? TableView::resources : TableView::jobs);
        each_selected([&](JobInfo& job) { printer.add(job); },
                      [&](JobId highest) { printer.expect_ids_up_to(highest); });
        if (printer.added() > 0) printer.finish();
        check_listing_written();
    });
}

}  // namespace jobctl::cli
