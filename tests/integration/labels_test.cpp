// Labels (issue 27): --label KEY=VALUE on the verbs that create jobs,
// carried by foreach children, shown in get --json and the history, and
// selecting jobs with --label on every verb that takes a selection.

#include <string>

#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using Labels = JobctlTest;

TEST_F(Labels, SelectJobsAcrossGetStopRemoveAndTheHistory) {
    JobId web = start_with({"--label", "team=web", "--label", "env=prod"}, {"true"});
    JobId db = start_with({"--label", "team=db"}, {"sleep", "1000"});
    JobId plain = start({"true"});
    wait_until_finished(web);
    wait_until_running(db);
    EXPECT_EQ(repository().find(web)->labels, (std::vector<std::string>{"team=web", "env=prod"}));
    EXPECT_EQ(repository().find(web)->label("env"), "prod");

    CliResult by_key = jobctl({"get", "--label", "team"});
    EXPECT_EQ(lines_of(by_key.out).size(), 3u) << by_key.out;
    CliResult by_value = jobctl({"get", "--label", "team=db", "--json"});
    EXPECT_NE(by_value.out.find("\"labels\": {"), std::string::npos) << by_value.out;
    EXPECT_NE(by_value.out.find("\"team\": \"db\""), std::string::npos) << by_value.out;
    EXPECT_EQ(by_value.out.find("\"id\": " + std::to_string(web) + ","), std::string::npos);
    CliResult both = jobctl({"get", "--label", "team=web", "--label", "env=prod"});
    EXPECT_EQ(lines_of(both.out).size(), 2u) << both.out;
    EXPECT_EQ(jobctl({"get", "--label", "env=test"}).out, "");  // none

    ASSERT_EQ(jobctl({"stop", "--label", "team=db"}).exit_code, 0);
    EXPECT_EQ(wait_until_finished(db).state, JobState::stopped);
    EXPECT_EQ(repository().find(web)->state, JobState::completed);  // not stopped: another label

    ASSERT_EQ(jobctl({"remove", "--label", "team"}).exit_code, 0);
    EXPECT_FALSE(repository().find(web));
    EXPECT_FALSE(repository().find(db));
    EXPECT_TRUE(repository().find(plain));
    CliResult history = jobctl({"history", "--label", "env=prod", "--json"});
    EXPECT_EQ(lines_of(history.out).size(), 1u) << history.out;
    EXPECT_NE(history.out.find("\"labels\":{\"team\":\"web\",\"env\":\"prod\"}"), std::string::npos)
        << history.out;
}

TEST_F(Labels, ForeachChildrenCarryTheirParentsLabels) {
    CliResult run =
        jobctl({"foreach", "--as-job", "-q", "--label", "batch=7", "--", "echo", ":::", "a", "b"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    JobId parent = static_cast<JobId>(std::stoul(run.out));
    wait_until_finished(parent);
    std::vector<JobInfo> jobs = list_jobs(repository());
    ASSERT_EQ(jobs.size(), 3u);
    for (const JobInfo& job : jobs) EXPECT_EQ(job.labels, std::vector<std::string>{"batch=7"}) << job.id;
    CliResult children = jobctl({"get", "--label", "batch=7", "--include-children"});
    EXPECT_EQ(lines_of(children.out).size(), 4u) << children.out;
}

TEST_F(Labels, BadLabelsAreRefusedAndRegisterNothing) {
    for (std::vector<std::string> labels : {std::vector<std::string>{"nokey"},
                                            {"=value"},
                                            {"bad key=1"},
                                            {"-lead=1"},
                                            {"a=1", "a=2"},
                                            {"k=" + std::string(200, 'v')},
                                            {"k=line\nbreak"},
                                            {std::string(33, 'k') + "=1"}}) {
        std::vector<std::string> args{"start"};
        for (const std::string& label : labels) args.insert(args.end(), {"--label", label});
        args.insert(args.end(), {"--", "true"});
        CliResult result = jobctl(args);
        EXPECT_EQ(result.exit_code, 2) << labels[0];
        EXPECT_EQ(lines_of(result.err).size(), 1u) << result.err;
    }
    EXPECT_EQ(jobctl({"foreach", "--label", "nokey", "--", "echo", ":::", "a"}).exit_code, 2);
    EXPECT_TRUE(list_jobs(repository()).empty());
}

}  // namespace
}  // namespace jobctl::test
