#include <iostream>
#include <memory>

#include "commands.hpp"
#include "job_json.hpp"
#include "job_selection.hpp"
#include "job_table.hpp"

namespace jobctl::cli {

void add_get_command(CLI::App& app, int&) {
    struct Options {
        JobSelector selector;
        bool json = false;
    };
    auto options = std::make_shared<Options>();
    CLI::App* command = app.add_subcommand("get", "List jobs (Get-Job)");
    command->footer("Examples: jobctl get; jobctl get build; jobctl get --state Failed --json");
    add_selector_options(*command, options->selector);
    add_include_children_flag(*command, options->selector);
    command->add_flag("--json", options->json, "Print one JSON document with every field");
    command->callback([options] {
        auto repository = Repository::open();
        auto jobs = select_jobs(repository, options->selector, true);
        if (options->json)
            print_job_json(std::cout, jobs);
        else if (!jobs.empty())
            print_job_table(std::cout, jobs);
    });
}

}  // namespace jobctl::cli
