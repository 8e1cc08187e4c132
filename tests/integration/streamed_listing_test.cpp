// Listing a big table as it is read (decision 64): `jobctl get` and
// `get --json` print the jobs in id order without holding the table; the
// first thousand jobs set the table's columns, and a later cell wider than
// its column is cut. for_each_job visits by id, and stops when told.

#include <regex>

#include "jobctl/custom_job.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl_test.hpp"

namespace jobctl::test {
namespace {

using StreamedListing = JobctlTest;

constexpr std::size_t kJobs = 1200;  // more than JobTablePrinter::kWidthSample (1000)
const std::string kLongName = "a-name-far-longer-than-those-before-it";

// kJobs finished custom jobs "j1", "j2"...; job number 1100 has kLongName.
std::vector<JobId> fill(Repository& repository) {
    std::vector<JobId> ids;
    for (std::size_t i = 1; i <= kJobs; ++i) {
        CustomJob job = CustomJob::add(
            repository,
            {.type = "filler", .name = i == 1100 ? kLongName : "j" + std::to_string(i), .command = "x"});
        job.finish(JobState::completed);
        ids.push_back(job.id());
    }
    return ids;
}

TEST_F(StreamedListing, AllJobsInIdOrderTheFirstThousandSettingTheColumns) {
    std::vector<JobId> ids = fill(repository());
    CliResult listed = jobctl({"get"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::string> lines = lines_of(listed.out);
    ASSERT_EQ(lines.size(), kJobs + 1);
    EXPECT_EQ(lines[0].rfind("Id", 0), 0u);
    for (std::size_t i = 0; i < kJobs; ++i)
        EXPECT_EQ(lines[i + 1].rfind(std::to_string(ids[i]) + " ", 0), 0u) << lines[i + 1];
    // The Name column is as wide as the widest of the first thousand names
    // ("j1000"); the long name, later, is cut to it, and the rows stay aligned.
    const std::string& long_row = lines[1100];
    EXPECT_EQ(long_row.find(kLongName), std::string::npos) << long_row;
    EXPECT_NE(long_row.find("a-na…"), std::string::npos) << long_row;
    const std::size_t ellipsis_bytes = std::string("…").size();  // one column on a terminal
    EXPECT_EQ(long_row.find("filler") - (ellipsis_bytes - 1), lines[1000].find("filler"));
}

// Ids grow past the widths of the first thousand: an Id is never cut, and
// the column is as wide as the highest id from the start.
TEST_F(StreamedListing, AnIdLongerThanTheFirstThousandsIsNeverCut) {
    for (int i = 0; i < 10'001; ++i)
        CustomJob::add(repository(), {.type = "filler", .name = "j", .command = "x"})
            .finish(JobState::completed);
    CliResult listed = jobctl({"get"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    std::vector<std::string> lines = lines_of(listed.out);
    ASSERT_EQ(lines.size(), 10'002u);
    EXPECT_EQ(lines.back().rfind("10001  j ", 0), 0u) << lines.back();
    EXPECT_EQ(lines.back().find("filler"), lines[1].find("filler")) << lines[1] << "\n" << lines.back();
}

TEST_F(StreamedListing, AListingThatCannotBeWrittenFails) {
    fill(repository());
    CliResult full = shell("jobctl get > /dev/full");
    EXPECT_NE(full.exit_code, 0);
    EXPECT_NE(full.err.find("No space left on device"), std::string::npos) << full.err;
    EXPECT_NE(shell("jobctl get --json > /dev/full").exit_code, 0);
}

TEST_F(StreamedListing, JsonHoldsEveryJobInIdOrder) {
    std::vector<JobId> ids = fill(repository());
    CliResult listed = jobctl({"get", "--json"});
    ASSERT_EQ(listed.exit_code, 0) << listed.err;
    static const std::regex kId("\\n    \\{\\n      \"id\": (\\d+),");
    std::vector<JobId> seen;
    for (auto it = std::sregex_iterator(listed.out.begin(), listed.out.end(), kId);
         it != std::sregex_iterator(); ++it)
        seen.push_back(static_cast<JobId>(std::stoul((*it)[1].str())));
    EXPECT_EQ(seen, ids);
    EXPECT_EQ(listed.out.rfind("{\n  \"jobs\": [\n", 0), 0u);
    EXPECT_TRUE(listed.out.ends_with("\n  ]\n}\n"));
    EXPECT_NE(listed.out.find("\"name\": \"" + kLongName + "\""), std::string::npos);  // JSON is never cut
}

// --newest N keeps the last N of the selection as the table is read.
TEST_F(StreamedListing, NewestIsTheLastOfTheSelection) {
    std::vector<JobId> ids = fill(repository());
    std::vector<std::string> lines = lines_of(jobctl({"get", "--newest", "2"}).out);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_EQ(lines[1].rfind(std::to_string(ids[kJobs - 2]) + " ", 0), 0u) << lines[1];
    EXPECT_EQ(lines[2].rfind(std::to_string(ids[kJobs - 1]) + " ", 0), 0u) << lines[2];
    // j10, j11, ..., j19, j100 ... j199, j1000 ... j1099 match 'j1?': j10 ... j19; the last two.
    lines = lines_of(jobctl({"get", "j1?", "--newest", "2"}).out);
    ASSERT_EQ(lines.size(), 3u);
    EXPECT_NE(lines[1].find(" j18 "), std::string::npos) << lines[1];
    EXPECT_NE(lines[2].find(" j19 "), std::string::npos) << lines[2];
}

TEST_F(StreamedListing, AnEmptySelectionIsAnEmptyDocument) {
    EXPECT_EQ(jobctl({"get", "--json"}).out, "{\n  \"jobs\": []\n}\n");
    EXPECT_EQ(jobctl({"get"}).out, "");
    EXPECT_EQ(jobctl({"get", "no-such-*"}).out, "");
}

TEST_F(StreamedListing, ForEachJobVisitsByIdLikeTheListingAndStopsWhenTold) {
    std::vector<JobId> ids = fill(repository());
    for (std::size_t i = 0; i < ids.size(); i += 7)
        EXPECT_EQ(jobctl({"remove", std::to_string(ids[i])}).exit_code, 0);
    std::vector<JobId> listed, visited;
    for (const JobInfo& job : list_jobs(repository())) listed.push_back(job.id);
    for_each_job(repository(), [&](JobInfo& job) {
        visited.push_back(job.id);
        return true;
    });
    EXPECT_EQ(visited, listed);
    std::size_t calls = 0;
    for_each_job(repository(), [&](JobInfo&) { return ++calls < 5; });
    EXPECT_EQ(calls, 5u);
}

}  // namespace
}  // namespace jobctl::test
