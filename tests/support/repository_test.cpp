#include "repository_test.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

#include "cli_runner.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "repository_sleep.hpp"
#include "table/repository_location.hpp"

namespace jobctl::test {
namespace {

std::vector<pid_t> children_of_this_process() {
    std::vector<pid_t> children;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return children;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid <= 0) continue;
        // read(2), not a stream: the process may vanish while we read (ESRCH).
        char buffer[1024] = {};
        int fd = ::open(("/proc/" + std::string(entry->d_name) + "/stat").c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t length = ::read(fd, buffer, sizeof buffer - 1);
        ::close(fd);
        if (length <= 0) continue;
        std::string text(buffer, static_cast<std::size_t>(length));
        auto close = text.rfind(')');
        if (close == std::string::npos) continue;
        char state = 0;
        int parent = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &parent) == 2 && parent == ::getpid())
            children.push_back(pid);
    }
    ::closedir(proc);
    return children;
}

std::vector<pid_t> members_of_group(pid_t group) {
    std::vector<pid_t> members;
    DIR* proc = ::opendir("/proc");
    if (proc == nullptr) return members;
    while (dirent* entry = ::readdir(proc)) {
        pid_t pid = static_cast<pid_t>(std::atoi(entry->d_name));
        if (pid > 0 && ::getpgid(pid) == group) members.push_back(pid);
    }
    ::closedir(proc);
    return members;
}

std::string unique_name() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name =
        "jobctl-test-" + std::to_string(::getpid()) + "-" + info->test_suite_name() + "-" + info->name();
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-') c = '_';
    return name.substr(0, 180);
}

// A child running one of our own (perhaps sanitized) programs: a worker, a
// jobctl, a copy of this test forked as a host.
bool runs_our_program(pid_t pid) {
    std::error_code error;
    auto exe = std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/exe", error);
    if (error) return false;
    return exe.parent_path() == std::filesystem::weakly_canonical(bin_dir(), error) ||
           exe == std::filesystem::read_symlink("/proc/self/exe", error);
}

// Lets our own children finish exiting (a worker whose job has ended, a
// foreach host) before they are killed: what they do at exit, such as a
// sanitizer's leak check and its report, must not be cut short.
void wait_for_our_programs_to_exit(std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        reap_exited_children();  // a zombie's pidfd is always readable
        std::vector<pollfd> exits;
        for (pid_t child : children_of_this_process()) {
            if (!runs_our_program(child)) continue;
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, child, 0));
            if (fd >= 0) exits.push_back({fd, POLLIN, 0});
        }
        if (exits.empty()) return;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        ::poll(exits.data(), exits.size(), static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        for (const pollfd& fd : exits) ::close(fd.fd);
    }
}

}  // namespace

void reap_all_children() {
    wait_for_our_programs_to_exit(std::chrono::seconds(10));
    for (int round = 0; round < 100; ++round) {
        auto children = children_of_this_process();
        if (children.empty()) return;
        for (pid_t child : children) {
            ::kill(child, SIGKILL);
            ::waitpid(child, nullptr, 0);
        }
    }
}

void reap_exited_children() {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
}

bool wait_for_group_gone(pid_t group, std::chrono::seconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
        reap_exited_children();  // orphans of the group land with us, the subreaper
        std::vector<pollfd> exits;
        for (pid_t member : members_of_group(group)) {
            int fd = static_cast<int>(::syscall(SYS_pidfd_open, member, 0));
            if (fd >= 0) exits.push_back({fd, POLLIN, 0});
        }
        if (exits.empty()) return true;
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                          std::chrono::steady_clock::now());
        ::poll(exits.data(), exits.size(), static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
        for (const pollfd& fd : exits) ::close(fd.fd);
    }
    return false;
}

std::string table_path_of(const std::string& name) {
    return detail::locate_repository(name, true).table.string();
}

void RepositoryTest::SetUp() {
    name_ = unique_name();
    char home[] = "/tmp/jobctl-test-home-XXXXXX";
    if (::mkdtemp(home) == nullptr) FAIL() << "cannot make a jobctl home for the test";
    home_ = home;
    ::setenv("JOBCTL_HOME", home_.c_str(), 1);
    ::setenv("JOBCTL_REPOSITORY", name_.c_str(), 1);
    ::unsetenv("JOBCTL_CAPACITY");
    ::prctl(PR_SET_CHILD_SUBREAPER, 1);
    Repository::destroy(name_);
}

void RepositoryTest::TearDown() {
    try {
        Repository& repo = repository();
        std::vector<JobId> unfinished;
        for (const JobInfo& job : repo.list())
            if (!job.finished() &&
                job.owner_pid != 0) {  // jobs a unit test only registered have no one to stop them
                request_stop(repo, job.id, std::chrono::milliseconds(0));
                unfinished.push_back(job.id);
            }
        wait_for_jobs(repo, unfinished, WaitMode::all, deadline_after(std::chrono::seconds(10)),
                      OnRemoved::finished);
    } catch (const Error& error) {
        // A test of damaged segments leaves one behind on purpose.
        if (error.code() != ErrorCode::repository_unusable) ADD_FAILURE() << "teardown: " << error.what();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "teardown: " << error.what();
    }
    // Whatever happened above, nothing of the test may stay behind.
    try {
        reap_all_children();
    } catch (const std::exception& error) {
        ADD_FAILURE() << "teardown: " << error.what();
    }
    repository_.reset();
    Repository::destroy(name_);
    std::error_code ignored;
    std::filesystem::remove_all(home_, ignored);
}

Repository& RepositoryTest::repository() {
    if (!repository_) repository_.emplace(Repository::open(name_));
    return *repository_;
}

JobInfo RepositoryTest::wait_for(JobId id, const std::function<bool(const JobInfo&)>& condition,
                                 std::chrono::seconds timeout) {
    auto result = wait_until(
        repository(), {id},
        [&](const std::vector<JobInfo>& jobs) { return !jobs.empty() && condition(jobs[0]); },
        deadline_after(timeout));
    if (!result) {
        auto job = repository().find(id);
        ADD_FAILURE() << "timed out waiting for job " << id << " (state "
                      << (job ? to_string(job->state) : "absent") << ")";
        return job.value_or(JobInfo{});
    }
    return result->front();
}

JobInfo RepositoryTest::wait_until_finished(JobId id) {
    return wait_for(id, [](const JobInfo& job) { return job.finished(); });
}

bool RepositoryTest::asleep_on_the_repository(pid_t pid) {
    return test::asleep_on_the_repository(pid, repository().describe().table);
}

JobInfo RepositoryTest::wait_until_running(JobId id) {
    return wait_for(id, [](const JobInfo& job) { return job.state != JobState::not_started; });
}

}  // namespace jobctl::test
