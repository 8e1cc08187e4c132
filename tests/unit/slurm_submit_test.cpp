// sbatch's argv for a submission, its --parsable answer, the option checks
// that run before anything is submitted, and ClusterName in the config.

#include <gtest/gtest.h>

#include "jobctl/error.hpp"
#include "slurm/sbatch_submit.hpp"

namespace jobctl {
namespace {

using detail::Submission;
using jobctl::SlurmOptions;

// The one-line message of the invalid_argument error `check` throws, or "" if none.
template <typename Check>
std::string refusal(Check check) {
    try {
        check();
    } catch (const Error& error) {
        EXPECT_EQ(error.code(), ErrorCode::invalid_argument);
        return error.what();
    }
    return {};
}

TEST(SlurmSubmit, ArgumentsHoldWhatIsSetInOrder) {
    SlurmOptions options{"debug", "1:00:00", 2, "4G", {"--qos=high", "--exclusive"}};
    Submission submission{"build",       "/spool/7/out", "/spool/7/err", "/work dir",
                          "/spool/7/in", "0-5%2",        "#!/bin/sh\n"};
    EXPECT_EQ(detail::sbatch_arguments(options, submission),
              (std::vector<std::string>{"sbatch", "--parsable", "--job-name=build", "--output=/spool/7/out",
                                        "--error=/spool/7/err", "--chdir=/work dir", "--input=/spool/7/in",
                                        "--array=0-5%2", "--partition=debug", "--time=1:00:00",
                                        "--cpus-per-task=2", "--mem=4G", "--qos=high", "--exclusive"}));
}

TEST(SlurmSubmit, ArgumentsLeaveWhatIsUnsetToSlurm) {
    EXPECT_EQ(detail::sbatch_arguments({}, {}), (std::vector<std::string>{"sbatch", "--parsable"}));
}

TEST(SlurmSubmit, ParsableAnswerIsTheJobId) {
    EXPECT_EQ(detail::parse_sbatch_job_id("4248\n"), "4248");
    EXPECT_EQ(detail::parse_sbatch_job_id("4248;cluster2\n"), "4248");  // a federation
    EXPECT_THROW(detail::parse_sbatch_job_id(""), Error);
    EXPECT_THROW(detail::parse_sbatch_job_id("Submitted batch job 12\n"), Error);
}

TEST(SlurmSubmit, TimeLimitsInSlurmsForms) {
    for (const char* good : {"30", "0", "30:00", "1:00:00", "2-12", "2-12:30", "2-12:30:00", "UNLIMITED",
                             "infinite", "Unlimited"})
        EXPECT_EQ(refusal([&] { detail::check_time_limit(good); }), "") << good;
    for (const char* bad :
         {"", "bogus", "1h", "1:2:3:4", "1-", "-5", "1-2:3:4:5", ":30", "30:", "1 0", "2-x"})
        EXPECT_NE(refusal([&] { detail::check_time_limit(bad); }), "") << bad;
    EXPECT_EQ(refusal([] { detail::check_time_limit("1h"); }),
              "invalid Slurm time limit '1h': give minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, D-HH:MM:SS or "
              "UNLIMITED");
}

TEST(SlurmSubmit, MemoryIsANumberWithAnOptionalUnit) {
    for (const char* good : {"1000", "0", "512K", "4G", "1T", "256M", "4g"})
        EXPECT_EQ(refusal([&] { detail::check_memory(good); }), "") << good;
    for (const char* bad : {"", "G", "4GB", "1.5G", "-1", "4 G", "4P"})
        EXPECT_NE(refusal([&] { detail::check_memory(bad); }), "") << bad;
    EXPECT_EQ(refusal([] { detail::check_memory("4GB"); }),
              "invalid Slurm memory size '4GB': give a number of megabytes, or one with K, M, G or T");
}

TEST(SlurmSubmit, CpusAtLeastOne) {
    EXPECT_EQ(refusal([] { detail::check_cpus(1); }), "");
    EXPECT_EQ(refusal([] { detail::check_cpus(0); }), "a Slurm job needs at least 1 CPU");
}

TEST(SlurmSubmit, PartitionIsAPlainName) {
    for (const char* good : {"debug", "gpu-a100", "long_2", "p.x", "debug,long"})
        EXPECT_EQ(refusal([&] { detail::check_partition(good); }), "") << good;
    for (const char* bad : {"", "a b", ",", "debug,", "a;b", "$(x)", "a=b"})
        EXPECT_NE(refusal([&] { detail::check_partition(bad); }), "") << bad;
}

TEST(SlurmSubmit, OptionsAreCheckedBeforeAnythingRuns) {
    // Checked before sbatch is looked for: the message is about the option.
    SlurmOptions options;
    options.time_limit = "bogus";
    EXPECT_NE(refusal([&] { detail::submit_batch(options, {"n", "", "", "", "", {}, "#!/bin/sh\n"}); }), "");
    options = {};
    options.cpus = 0;
    EXPECT_EQ(refusal([&] {
                  detail::submit_batch(options, {"n", "", "", "", "", {}, "#!/bin/sh\n"});
              }),
              "a Slurm job needs at least 1 CPU");
    EXPECT_EQ(refusal([&] { detail::submit_batch({}, {}); }), "a Slurm job needs a batch script");
}

TEST(SlurmSubmit, ClusterNameFromTheConfig) {
    EXPECT_EQ(detail::parse_cluster_name("AccountingStorageType   = accounting_storage/none\n"
                                         "ClusterName             = jobctl\n"
                                         "CompleteWait            = 0 sec\n"),
              "jobctl");
    EXPECT_EQ(detail::parse_cluster_name("ClusterNameX = no\n"), std::nullopt);
    EXPECT_EQ(detail::parse_cluster_name("ClusterName             = (null)\n"), std::nullopt);
    EXPECT_EQ(detail::parse_cluster_name(""), std::nullopt);
}

}  // namespace
}  // namespace jobctl
