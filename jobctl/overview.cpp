#include "overview.hpp"

#include <iostream>

#include "completion.hpp"
#include "job_selection.hpp"
#include "jobctl_app.hpp"
#include "jobs_table_printer.hpp"
#include "printable_text.hpp"

namespace jobctl::cli {

void print_overview(CLI::App& app) {
    std::cout << "Usage: jobctl VERB [OPTIONS] [JOBS...]\n\nVerbs:\n";
    for (CLI::App* verb : visible_verbs(app)) {
        std::string name = verb->get_name();
        for (const std::string& alias : verb->get_aliases()) name += ", " + alias;
        std::string description = verb->get_description();
        std::cout << "  " << name << std::string(name.size() < 22 ? 22 - name.size() : 1, ' ')
                  << description.substr(0, description.find('\n')) << '\n';
    }
    std::cout << "\nMore: 'jobctl VERB --help', 'jobctl --help', 'man jobctl'.\n\n";
    auto repository = existing_repository();
    auto jobs = repository ? select_jobs(*repository, JobSelector{}, true) : std::vector<JobInfo>{};
    if (jobs.empty()) {
        std::cout << "No jobs in repository '" << printable(Repository::default_name())
                  << "'. Try: jobctl start --name hello -- echo hello\n";
        return;
    }
    std::cout << "Jobs in repository '" << printable(Repository::default_name()) << "':\n";
    print_job_table(std::cout, jobs);
}

}  // namespace jobctl::cli
