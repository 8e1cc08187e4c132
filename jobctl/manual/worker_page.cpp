// jobctl-worker(1): what the program is, that users do not run it, and the
// environment and files it shares with jobctl.

#include <sstream>
#include <stdexcept>
#include <string>

#include "environment_variables.hpp"
#include "jobctl/program_run.hpp"
#include "jobctl_app.hpp"
#include "man_pages.hpp"
#include "roff.hpp"

namespace jobctl::manual {
namespace {

// What the worker says of itself when run without a worker's arguments:
// "usage: SYNOPSIS" and a line saying what it is (exit status 2).
struct WorkerUsage {
    std::string synopsis;
    std::string summary;
};

WorkerUsage worker_usage(const std::string& worker) {
    ProgramResult said = run_program({worker});
    std::istringstream lines(said.err);
    std::string usage, summary;
    std::getline(lines, usage);
    std::getline(lines, summary);
    constexpr std::string_view kUsage = "usage: ";
    if (said.exit_status != 2 || !usage.starts_with(kUsage) || summary.empty())
        throw std::runtime_error(worker + " did not say its usage: " + said.err);
    return {usage.substr(kUsage.size()), summary};
}

}  // namespace

void write_worker_page(std::ostream& out, const std::string& worker) {
    WorkerUsage usage = worker_usage(worker);
    std::string summary = usage.summary;
    if (summary.ends_with('.')) summary.pop_back();
    summary[0] = static_cast<char>(std::tolower(static_cast<unsigned char>(summary[0])));
    write_title(out, "jobctl-worker", cli::kVersion, summary);

    write_section(out, "SYNOPSIS");
    out << roff_escape(usage.synopsis) << '\n';

    write_section(out, "DESCRIPTION");
    write_paragraph(
        out,
        "jobctl-worker is the parent of one process job's command. 'jobctl start' and 'jobctl run' "
        "start one worker per job, and it exits with its command. You "
        "do not run it yourself: its arguments are written by jobctl and may change between "
        "versions.");
    write_paragraph(
        out,
        "The worker opens the repository, waits (Blocked) for the jobs its job runs after and for "
        "a slot of its queue, then starts the command in a process group of its own. It reads the "
        "command's stdout and stderr into the job's output log, acts on stop, suspend and resume "
        "requests and on the job's time limit, and records the job's end (state, exit code, "
        "reason) in the table. When a worker dies, the next jobctl that lists the job reports it "
        "Failed ('worker lost').");
    write_paragraph(out,
                    "jobctl looks for jobctl-worker in its own folder first, then where it was installed, "
                    "unless JOBCTL_WORKER names it. Thread jobs and foreach use no worker.");

    write_section(out, "EXIT STATUS");
    write_item(out, bold("0"),
               "The job's end was recorded, whatever the command's own status (see 'jobctl get').");
    write_item(out, bold("1"),
               "The worker failed; the job was recorded Failed with the reason 'worker error'.");
    write_item(out, bold("2"), "The arguments are not a worker's.");

    write_section(out, "ENVIRONMENT");
    for (const cli::EnvironmentVariable& variable : cli::environment_variables())
        if (variable.for_worker) write_item(out, bold(variable.name), variable.meaning);

    write_section(out, "FILES");
    for (const RepositoryFile& file : repository_files()) write_item(out, italic(file.path), file.meaning);

    write_section(out, "SEE ALSO");
    out << bold("jobctl") << "(1)\n";
}

}  // namespace jobctl::manual
