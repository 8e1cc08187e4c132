#include <sstream>

#include "jobctl/job_listing.hpp"
#include "schedule_test.hpp"
#include "table/job_table.hpp"

namespace jobctl::test {

std::string current_crontab() {
    CliResult result = CliProcess({"crontab", "-l"}).finish();
    if (result.exit_code == 0) return result.out;
    EXPECT_NE(result.err.find("no crontab for"), std::string::npos) << result.err;
    return "";
}

void install_crontab(const std::string& text) {
    CliResult result = text.empty()
                           ? shell("crontab -r 2>/dev/null; true")
                           : CliProcess({"sh", "-c", "printf '%s' \"$0\" | crontab -", text}).finish();
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

SavedCrontab::SavedCrontab() {
    CliResult result = CliProcess({"crontab", "-l"}).finish();
    if (result.exit_code == 0) saved_ = result.out;
}

SavedCrontab::~SavedCrontab() {
    install_crontab(saved_.value_or(""));
    if (current_crontab() != saved_.value_or("")) ADD_FAILURE() << "the crontab could not be restored";
}

std::vector<std::string> jobctl_block(const std::string& crontab) {
    std::vector<std::string> block;
    std::istringstream in(crontab);
    bool inside = false;
    for (std::string line; std::getline(in, line);) {
        if (line.starts_with("# BEGIN jobctl"))
            inside = true;
        else if (line == "# END jobctl")
            inside = false;
        else if (inside)
            block.push_back(line);
    }
    return block;
}

std::string command_of(const std::string& line) {
    std::istringstream in(line);
    std::string field;
    for (int i = 0; i < 5; ++i) in >> field;
    std::string command;
    std::getline(in >> std::ws, command);
    return command;
}

void ScheduleTest::SetUp() {
    JobctlTest::SetUp();
    crontab_.emplace();
}

void ScheduleTest::TearDown() {
    crontab_.reset();  // first: cron must start nothing more in the home about to go
    JobctlTest::TearDown();
}

void ScheduleTest::add(const std::string& name, const std::vector<std::string>& options,
                       const std::vector<std::string>& command) {
    std::vector<std::string> args{"schedule", "add", name};
    args.insert(args.end(), options.begin(), options.end());
    args.push_back("--");
    args.insert(args.end(), command.begin(), command.end());
    CliResult result = jobctl(args);
    EXPECT_EQ(result.exit_code, 0) << result.err;
}

std::string ScheduleTest::line_of(const std::string& name) {
    for (const std::string& line : jobctl_block(current_crontab()))
        if (line.find("JOBCTL_HOME='" + home() + "'") != std::string::npos &&
            line.ends_with(" schedule run --triggered '" + name + "'"))
            return line;
    return "";
}

std::vector<JobInfo> ScheduleTest::runs(const std::string& name) {
    std::vector<JobInfo> found;
    for (const JobInfo& job : repository().list())
        if (job.name == name && job.type == JobType::scheduled) found.push_back(job);
    return found;
}

std::vector<JobInfo> ScheduleTest::wait_for_runs(const std::string& name, std::size_t count,
                                                 std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    detail::JobTable& table = detail::table_of(repository());
    for (;;) {
        std::uint32_t seen = table.change_count();
        std::vector<JobInfo> found = runs(name);
        if (found.size() >= count) return found;
        auto left = deadline - std::chrono::steady_clock::now();
        if (left <= std::chrono::nanoseconds(0)) {
            ADD_FAILURE() << "timed out waiting for " << count << " runs of " << name << " (" << found.size()
                          << " so far)";
            return found;
        }
        table.wait_for_change(seen, left);
    }
}

}  // namespace jobctl::test
