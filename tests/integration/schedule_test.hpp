#pragma once
// What every schedule test shares: the machine's real crontab saved before
// the test and put back exactly after it (even when it failed), a way to
// read jobctl's block out of it, and a way to wait for a schedule's run.

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "jobctl_test.hpp"

namespace jobctl::test {

// The user's crontab as it was (or that there was none), put back by the destructor.
class SavedCrontab {
public:
    SavedCrontab();
    ~SavedCrontab();
    SavedCrontab(const SavedCrontab&) = delete;
    SavedCrontab& operator=(const SavedCrontab&) = delete;

private:
    std::optional<std::string> saved_;
};

// The user's crontab now ("" when there is none).
std::string current_crontab();
// Installs `text` as the user's crontab (none when empty).
void install_crontab(const std::string& text);
// The lines between jobctl's markers.
std::vector<std::string> jobctl_block(const std::string& crontab);
// What cron runs of a crontab line: all after its five fields.
std::string command_of(const std::string& line);

class ScheduleTest : public JobctlTest {
protected:
    void SetUp() override;
    void TearDown() override;

    // `jobctl schedule add NAME OPTIONS... -- COMMAND...`; fails the test unless it worked.
    void add(const std::string& name, const std::vector<std::string>& options,
             const std::vector<std::string>& command);
    // The crontab line of schedule `name` ("" if none).
    std::string line_of(const std::string& name);
    // The runs of `name` in the repository, by id.
    std::vector<JobInfo> runs(const std::string& name);
    // Waits through the repository until `name` has at least `count` runs; fails the test on timeout.
    std::vector<JobInfo> wait_for_runs(const std::string& name, std::size_t count,
                                       std::chrono::seconds timeout);

private:
    std::optional<SavedCrontab> crontab_;
};

}  // namespace jobctl::test
