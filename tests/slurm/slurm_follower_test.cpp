// The repository's one Slurm follower (decision 63), against a real
// single-node Slurm: many jobs and an array followed by one process that
// asks squeue about all of them in one call; leaving when nothing is left,
// and started again by the next submission; replaced, for every job it
// had, when it is killed. Waits go through the repository or a pidfd.

#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "jobctl/job_listing.hpp"
#include "slurm_test.hpp"

namespace jobctl::test {
namespace {

class SlurmFollower : public SlurmJobs {
protected:
    // Every process that follows this test's repository (no zombie: its cmdline is empty).
    std::vector<pid_t> followers() const {
        std::vector<pid_t> found;
        for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
            std::string name = entry.path().filename().string();
            if (name.find_first_not_of("0123456789") != std::string::npos) continue;
            std::ifstream in(entry.path() / "cmdline");
            std::vector<std::string> argv;
            for (std::string word; std::getline(in, word, '\0');) argv.push_back(word);
            if (argv.size() >= 4 && argv[1] == "--follow-slurm" && argv[3] == repository_name())
                found.push_back(static_cast<pid_t>(std::stol(name)));
        }
        return found;
    }

    // Wrappers of squeue and scontrol on PATH that log each call to calls_log().
    std::string logging_path() {
        std::filesystem::path folder = scratch_ / "bin";
        std::filesystem::create_directories(folder);
        for (std::string program : {"squeue", "scontrol"}) {
            std::string real = lines_of(shell("command -v " + program).out).front();
            std::filesystem::path wrapper = folder / program;
            std::ofstream(wrapper) << "#!/bin/sh\necho \"" << program << " $*\" >> " << calls_log()
                                   << "\nexec " << real << " \"$@\"\n";
            std::filesystem::permissions(wrapper, std::filesystem::perms::owner_all);
        }
        return folder.string() + ":" + std::getenv("PATH");
    }
    std::string calls_log() const { return path("calls"); }
    std::vector<std::string> calls() const {
        std::ifstream in(calls_log());
        std::vector<std::string> lines;
        for (std::string line; std::getline(in, line);) lines.push_back(line);
        return lines;
    }

    JobId submit_with_path(const std::string& path, const std::string& command,
                           const std::string& verb = "start") {
        std::string how = verb == "start" ? "start --on slurm -q" : "foreach --on slurm --as-job -q";
        CliResult result = shell("PATH=" + path + " " + bin_dir() + "/jobctl " + how + " -- sh -c '" +
                                 command + "'" + (verb == "start" ? "" : " ::: 1 2 3"));
        EXPECT_EQ(result.exit_code, 0) << result.err;
        return result.exit_code == 0 ? static_cast<JobId>(std::stoul(result.out)) : 0;
    }

    // Waits for `pid` to exit, through a pidfd.
    bool exits(pid_t pid) {
        int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
        if (pidfd < 0) return true;  // gone already
        pollfd gone{pidfd, POLLIN, 0};
        bool exited = ::poll(&gone, 1, 120'000) == 1;
        ::close(pidfd);
        reap_exited_children();  // it may be our orphan (we are a subreaper)
        return exited;
    }

    std::string waits_for_go() const {
        return "while [ ! -e " + path("go") + " ]; do sleep 0.2; done; echo done";
    }
};

TEST_F(SlurmFollower, OneFollowerAsksAboutAllJobsInOneCallAndLeavesWhenNoneIsLeft) {
    std::string path = logging_path();
    std::vector<JobId> ids;
    for (int i = 0; i < 8; ++i) ids.push_back(submit_with_path(path, waits_for_go()));
    JobId array = submit_with_path(path, waits_for_go() + " $0", "foreach");
    ASSERT_NE(array, 0u);
    ids.push_back(array);
    // Every job has been in an answer of Slurm's: pending (Blocked only
    // from an answer) or running with its node (known only from an answer).
    std::set<std::string> slurm_ids;
    std::set<pid_t> owners;
    for (JobId id : ids) {
        JobInfo job = wait_for(
            id,
            [](const JobInfo& j) {
                return j.owner_claimed &&
                       (j.state == JobState::blocked || j.location.find(':') != std::string::npos);
            },
            kSlurmTimeout);
        slurm_ids.insert(job.external_id);
        owners.insert(job.owner_pid);
    }
    EXPECT_EQ(owners.size(), 1u);
    EXPECT_EQ(followers(), std::vector<pid_t>{*owners.begin()});
    // One question named every job and array followed (not always the last:
    // one asked before the array's hand-over was read, under a sanitizer's
    // pace, did not); scontrol was never asked about a job.
    std::vector<std::string> asked = calls();
    ASSERT_FALSE(asked.empty());
    auto names_all = [&](const std::string& call) {
        return call.rfind("squeue ", 0) == 0 && std::ranges::all_of(slurm_ids, [&](const std::string& id) {
                   return call.find(id) != std::string::npos;
               });
    };
    EXPECT_TRUE(std::ranges::any_of(asked, names_all)) << asked.back();
    for (const std::string& call : asked) EXPECT_EQ(call.find("show job"), std::string::npos) << call;

    std::ofstream(this->path("go")) << "go\n";
    for (JobId id : ids) EXPECT_EQ(finished(id).state, JobState::completed) << id;
    EXPECT_EQ(jobctl({"receive", std::to_string(ids.front())}).out, "done\n");
    EXPECT_EQ(jobctl({"receive", std::to_string(array)}).out, "done 1\ndone 2\ndone 3\n");
    EXPECT_TRUE(exits(*owners.begin())) << "the follower still runs with nothing to follow";
    EXPECT_TRUE(followers().empty());

    // The next submission starts a follower again.
    JobId next = submit({"echo", "again"});
    EXPECT_EQ(finished(next).state, JobState::completed);
    EXPECT_EQ(jobctl({"receive", std::to_string(next)}).out, "again\n");
}

TEST_F(SlurmFollower, AKilledFollowerIsReplacedForEveryJobItHad) {
    std::vector<JobId> ids;
    for (int i = 0; i < 3; ++i) ids.push_back(submit({"sh", "-c", waits_for_go()}));
    std::set<pid_t> owners;
    for (JobId id : ids)
        owners.insert(wait_for(
                          id, [](const JobInfo& j) { return j.owner_claimed; }, kSlurmTimeout)
                          .owner_pid);
    ASSERT_EQ(owners.size(), 1u);
    pid_t dead = *owners.begin();
    ASSERT_EQ(::kill(dead, SIGKILL), 0);
    EXPECT_TRUE(exits(dead));
    // One look at one job starts a new follower, which takes the others
    // as it starts, before it claims the one it was handed: so they are
    // its own once that one is, though nobody has looked at them.
    EXPECT_EQ(jobctl({"get", std::to_string(ids.front())}).exit_code, 0);
    JobInfo first = wait_for(
        ids.front(), [&](const JobInfo& j) { return j.owner_pid != dead && j.owner_claimed; }, kSlurmTimeout);
    for (JobId id : ids) {
        JobInfo job = *repository().find(id);  // as it is: no liveness check
        EXPECT_EQ(job.owner_pid, first.owner_pid) << id;
        EXPECT_TRUE(job.owner_claimed) << id;
        EXPECT_FALSE(job.finished()) << job.reason;
    }
    EXPECT_EQ(followers().size(), 1u);
    std::ofstream(path("go")) << "go\n";
    for (JobId id : ids) {
        EXPECT_EQ(finished(id).state, JobState::completed) << id;
        EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "done\n");
    }
}

TEST_F(SlurmFollower, RemovingAnEndedTaskOfARunningArrayLetsTheParentEnd) {
    CliResult started = jobctl({"foreach", "--on", "slurm", "--as-job", "-q", "-j", "1", "--", "sh", "-c",
                                "[ {} = 1 ] || " + waits_for_go(), ":::", "1", "2", "3"});
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId parent = static_cast<JobId>(std::stoul(started.out));
    EXPECT_EQ(finished(parent + 1).state, JobState::completed);
    EXPECT_EQ(jobctl({"remove", std::to_string(parent + 1)}).exit_code, 0);
    std::ofstream(path("go")) << "go\n";
    JobInfo done = finished(parent);
    EXPECT_EQ(done.state, JobState::completed) << done.reason;
    EXPECT_TRUE(exits(done.owner_pid)) << "the follower still runs with nothing to follow";
}

TEST_F(SlurmFollower, SqueueFiltersInTheSubmittersEnvironmentHideNoJob) {
    // SQUEUE_NAMES would leave the follower's squeue answering nothing about
    // the job, which it would then take for purged.
    CliResult started = shell("SQUEUE_NAMES=no-such-name SCANCEL_STATE=PENDING " + bin_dir() +
                              "/jobctl start --on slurm -q -- sh -c '" + waits_for_go() + "'");
    ASSERT_EQ(started.exit_code, 0) << started.err;
    JobId id = static_cast<JobId>(std::stoul(started.out));
    wait_for(
        id, [](const JobInfo& j) { return j.location.find(':') != std::string::npos || j.finished(); },
        kSlurmTimeout);
    std::ofstream(path("go")) << "go\n";
    JobInfo job = finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_EQ(jobctl({"receive", std::to_string(id)}).out, "done\n");
}

TEST_F(SlurmFollower, JunkPostsOrARemovedPostsFileChangeNothing) {
    std::filesystem::path posts = repository().describe().spool / "slurm-follower.posts";
    std::filesystem::create_directories(posts.parent_path());
    std::ofstream(posts) << "not-an-id\n0\n99999\n4294967296\n";
    JobId waiting = submit({"sh", "-c", waits_for_go()});
    pid_t follower = wait_for(
                         waiting, [](const JobInfo& j) { return j.owner_claimed; }, kSlurmTimeout)
                         .owner_pid;
    // The file removed under the running follower: the next job still reaches it.
    std::filesystem::remove(posts);
    JobId quick = submit({"echo", "quick"});
    EXPECT_EQ(finished(quick).state, JobState::completed);
    EXPECT_FALSE(repository().find(waiting)->finished());
    EXPECT_EQ(repository().find(quick)->owner_pid, follower);
    std::ofstream(path("go")) << "go\n";
    EXPECT_EQ(finished(waiting).state, JobState::completed);
    EXPECT_TRUE(exits(follower)) << "the follower still runs with nothing to follow";
    EXPECT_EQ(std::filesystem::file_size(posts), 0u);  // emptied as it left
    // No folder of the follower's in the spool: its folders are counted against the jobs'.
    for (const auto& entry : std::filesystem::directory_iterator(repository().describe().spool))
        EXPECT_FALSE(entry.is_directory() && entry.path().filename().string().starts_with("slurm"))
            << entry.path();
}

TEST_F(SlurmFollower, ARegistryThatNamesAnotherLiveProgramIsNotBelieved) {
    // pid 1 is alive but no follower: the submission starts one of its own.
    std::ifstream stat("/proc/1/stat");
    std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
    std::istringstream fields(text.substr(text.rfind(')') + 2));
    std::string field;
    for (int i = 3; i < 22; ++i) fields >> field;  // fields 3..21
    std::string start_time;
    fields >> start_time;
    std::filesystem::create_directories(repository().describe().spool);
    std::ofstream(repository().describe().spool / "slurm-follower") << "1 " << start_time << " 0\n";
    JobId id = submit({"echo", "followed"});
    JobInfo job = finished(id);
    EXPECT_EQ(job.state, JobState::completed) << job.reason;
    EXPECT_NE(job.owner_pid, 1);
}

}  // namespace
}  // namespace jobctl::test
