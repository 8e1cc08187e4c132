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

// The user's crontab as it was (or that there was none), put back by the
// destructor. It is also written to a file before the test changes
// anything (kept until it was put back), so that a test killed meanwhile
// (ctest's timeout) leaves it on disk: the next SavedCrontab, in the next
// run of the suite, puts that one back first. A lock on that folder, held
// for the guard's life, keeps two runs (two build folders) from saving
// each other's changes, and tells a leftover of a dead run from a live one.
//   Folder: $JOBCTL_TEST_CRONTAB_DIR, else ${XDG_STATE_HOME:-~/.local/state}/jobctl-tests
class SavedCrontab {
public:
    SavedCrontab();
    ~SavedCrontab();
    SavedCrontab(const SavedCrontab&) = delete;
    SavedCrontab& operator=(const SavedCrontab&) = delete;

    // The file the crontab is saved in (by the folder named now).
    static std::string save_file();
    // True when the constructor found a crontab a killed run left and put it back.
    bool restored_leftover() const { return restored_leftover_; }

private:
    std::optional<std::string> saved_;
    std::string file_;  // save_file() when constructed
    int lock_fd_ = -1;
    bool restored_leftover_ = false;
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
