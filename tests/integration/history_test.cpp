// The history (issue 27): a line per ended job, appended by whoever ended
// it, read by `jobctl history` after the jobs are gone; rotated at the
// repository's size; a torn last line skipped with a warning; removed with
// the repository. Each wait goes through the repository, or through
// inotify on the history's folder (the line is appended just after the
// job is marked ended).

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "jobctl/job_history.hpp"
#include "jobctl_test.hpp"
#include "table/job_table.hpp"
#include "table/segment_layout.hpp"
#include "table/slot_patch.hpp"

namespace jobctl::test {
namespace {

using History = JobctlTest;

std::size_t lines_in(const std::filesystem::path& file) {
    std::ifstream in(file);
    std::size_t count = 0;
    for (std::string line; std::getline(in, line);) count += line.empty() ? 0 : 1;
    return count;
}

std::vector<HistoryEntry> entries_of(Repository& repository) {
    std::vector<HistoryEntry> entries;
    read_history(repository, [&](const HistoryEntry& entry) { entries.push_back(entry); });
    return entries;
}

const HistoryEntry* entry_of(const std::vector<HistoryEntry>& entries, JobId id) {
    for (const HistoryEntry& entry : entries)
        if (entry.job.id == id) return &entry;
    return nullptr;
}

// Completed, Failed with an exit code, killed by a signal, Stopped: each
// has its line, and the lines outlive `remove --finished`.
TEST_F(History, EachEndedJobHasALineThatOutlivesRemoval) {
    JobId completed = start({"sh", "-c", "echo done"}, "ok");
    JobId failed = start({"sh", "-c", "exit 3"}, "bad");
    JobId killed = start({"sh", "-c", "kill -9 $$"}, "killed");
    JobId stopped = start({"sleep", "100"}, "slept");
    wait_until_running(stopped);
    ASSERT_EQ(jobctl({"stop", std::to_string(stopped)}).exit_code, 0);
    for (JobId id : {completed, failed, killed, stopped}) wait_until_finished(id);
    std::uint64_t printed = repository().find(completed)->output_bytes;
    ASSERT_EQ(jobctl({"remove", "--finished"}).exit_code, 0);
    EXPECT_FALSE(repository().find(completed));

    std::vector<HistoryEntry> entries = entries_of(repository());
    ASSERT_EQ(entries.size(), 4u);
    const JobInfo& ok = entry_of(entries, completed)->job;
    EXPECT_EQ(ok.state, JobState::completed);
    EXPECT_EQ(ok.exit_code, 0);
    EXPECT_EQ(ok.name, "ok");
    EXPECT_EQ(ok.command, "sh -c 'echo done'");
    EXPECT_EQ(ok.output_bytes, printed);
    EXPECT_EQ(ok.cwd, std::filesystem::current_path().string());
    EXPECT_TRUE(ok.began && ok.ended && ok.created && ok.resources);
    EXPECT_EQ(entry_of(entries, completed)->attempts, 1u);
    EXPECT_EQ(entry_of(entries, failed)->job.exit_code, 3);
    EXPECT_EQ(entry_of(entries, failed)->job.state, JobState::failed);
    EXPECT_EQ(entry_of(entries, killed)->job.term_signal, SIGKILL);
    EXPECT_EQ(entry_of(entries, stopped)->job.state, JobState::stopped);

    CliResult table = jobctl({"history"});
    EXPECT_EQ(table.exit_code, 0) << table.err;
    EXPECT_NE(table.out.find("SIGKILL"), std::string::npos) << table.out;
    EXPECT_NE(table.out.find("sh -c 'exit 3'"), std::string::npos) << table.out;
    CliResult one = jobctl({"history", "--json", "bad"});
    EXPECT_EQ(one.exit_code, 0) << one.err;
    EXPECT_EQ(one.out, history_line(*entry_of(entries, failed)) + "\n");
    CliResult failures = jobctl({"history", "--state", "Failed", "--json"});
    EXPECT_EQ(std::count(failures.out.begin(), failures.out.end(), '\n'), 2) << failures.out;
    EXPECT_EQ(jobctl({"history", "--newest", "1", "--json"}).out.find("\"id\":"), 1u);
    CliResult unknown = jobctl({"history", "99999"});
    EXPECT_EQ(unknown.exit_code, 3);
    EXPECT_EQ(unknown.err,
              "jobctl: no job with id 99999 in the history (it has not ended here, or its line "
              "was rotated out)\n");
    EXPECT_EQ(jobctl({"history", "--state", "Running"}).exit_code, 2) << "a job in the history has ended";
    EXPECT_EQ(jobctl({"history", "--since", "yesterday-ish"}).exit_code, 2);
}

// A foreach's children and its parent each have a line; a job whose worker
// was killed has the line of the look that marked it lost.
TEST_F(History, ForeachChildrenAndLostJobsHaveLines) {
    CliResult run =
        jobctl({"foreach", "--as-job", "-q", "-j", "2", "--", "sh", "-c", "exit {}", ":::", "0", "1", "0"});
    ASSERT_EQ(run.exit_code, 0) << run.err;
    JobId parent = static_cast<JobId>(std::stoul(run.out));
    wait_until_finished(parent);
    JobId lost = start({"sleep", "100"});
    JobInfo job = wait_until_running(lost);
    ::kill(job.owner_pid, SIGKILL);
    ::waitpid(job.owner_pid, nullptr, 0);                           // we are its subreaper
    EXPECT_EQ(jobctl({"get", std::to_string(lost)}).exit_code, 0);  // the look that marks it lost
    std::vector<HistoryEntry> entries = entries_of(repository());
    EXPECT_EQ(entries.size(), 5u);
    for (JobId id = parent; id <= parent + 3; ++id) ASSERT_TRUE(entry_of(entries, id)) << id;
    EXPECT_EQ(entry_of(entries, parent + 2)->job.exit_code, 1);
    EXPECT_EQ(entry_of(entries, parent + 2)->job.parent_id, parent);
    EXPECT_EQ(entry_of(entries, parent)->job.state, JobState::failed);
    ASSERT_TRUE(entry_of(entries, lost));
    EXPECT_EQ(entry_of(entries, lost)->job.reason.rfind("worker lost", 0), 0u)
        << entry_of(entries, lost)->job.reason;
}

// A line cut short (a crash mid-write) is skipped with one warning; the
// next job's line starts on a line of its own and is kept whole.
TEST_F(History, ATornLastLineIsSkippedWithAWarning) {
    JobId first = start({"true"});
    wait_until_finished(first);
    ASSERT_EQ(entries_of(repository()).size(), 1u);
    { std::ofstream(history_file(repository()), std::ios::app) << R"({"id":77,"name":"cut sh)"; }
    CliResult read = jobctl({"history", "--json"});
    EXPECT_EQ(read.exit_code, 0);
    EXPECT_EQ(std::count(read.out.begin(), read.out.end(), '\n'), 1);
    EXPECT_NE(read.err.find("skipped 1 damaged line(s)"), std::string::npos) << read.err;
    JobId second = start({"true"});
    wait_until_finished(second);
    std::vector<HistoryEntry> entries = entries_of(repository());
    ASSERT_EQ(entries.size(), 2u);
    EXPECT_EQ(entries[1].job.id, second);
}

// Rotated at the repository's size: the full file becomes FILE.1, and the
// history reads both; with size 0 nothing is kept; `repository delete`
// removes both files.
TEST_F(History, IsRotatedAtTheRepositorysSizeAndDeletedWithIt) {
    CliResult small = jobctl({"repository", "--history-size", "64K"});
    ASSERT_EQ(small.exit_code, 0) << small.err;
    EXPECT_NE(small.out.find("(rotated at 64K)"), std::string::npos) << small.out;
    EXPECT_EQ(jobctl({"repository", "--history-size", "10K"}).exit_code, 2);
    EXPECT_EQ(jobctl({"repository", "--history-size", "-5"}).exit_code, 2);
    EXPECT_EQ(history_limit(repository()), 64u * 1024);

    std::vector<std::string> foreach{"foreach", "--as-job", "-q", "-j", "2", "--", "true", ":::"};
    for (int i = 0; i < 300; ++i)
        foreach
            .push_back(std::to_string(i));
    CliResult run = jobctl(foreach);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    wait_until_finished(static_cast<JobId>(std::stoul(run.out)));
    std::filesystem::path file = history_file(repository());
    std::filesystem::path rotated = file.string() + ".1";
    std::vector<HistoryEntry> entries = entries_of(repository());
    ASSERT_TRUE(std::filesystem::exists(rotated));
    EXPECT_LE(std::filesystem::file_size(file), 64u * 1024);
    std::set<JobId> ids;
    for (const HistoryEntry& entry : entries) ids.insert(entry.job.id);
    EXPECT_EQ(ids.size(), entries.size()) << "no line twice";
    EXPECT_GE(entries.size(), 64u * 1024 / 600);

    ASSERT_EQ(jobctl({"repository", "--history-size", "0"}).exit_code, 0);
    std::size_t before = lines_in(file) + lines_in(rotated);
    JobId unrecorded = start({"true"});
    wait_until_finished(unrecorded);
    EXPECT_FALSE(entry_of(entries_of(repository()), unrecorded));
    EXPECT_EQ(lines_in(file) + lines_in(rotated), before);

    ASSERT_EQ(jobctl({"repository", "delete"}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(file));
    EXPECT_FALSE(std::filesystem::exists(rotated));
}

// `jobctl history` right after `jobctl run` or `wait` has the job: the
// reader waits for a line still being appended.
TEST_F(History, AJobJustEndedIsInTheHistory) {
    for (int i = 0; i < 20; ++i) {
        std::string name = "r" + std::to_string(i);
        ASSERT_EQ(jobctl({"run", "--name", name, "--", "true"}).exit_code, 0);
        CliResult read = jobctl({"history", "--json", name});
        EXPECT_EQ(read.exit_code, 0) << read.err;
    }
}

// Only a regular file of this user is read or written: a FIFO in its
// place hangs nobody, a symbolic link is not followed; each is skipped with
// a warning, and the jobs still end.
TEST_F(History, AFileThatIsNotOursIsSkippedWithAWarning) {
    JobId first = start({"true"});
    wait_until_finished(first);
    ASSERT_EQ(entries_of(repository()).size(), 1u);
    std::filesystem::path file = history_file(repository());
    std::filesystem::path rotated = file.string() + ".1";
    ASSERT_EQ(::mkfifo(rotated.c_str(), 0600), 0);
    CliResult fifo = jobctl({"history", "--json"});
    EXPECT_EQ(fifo.exit_code, 0) << fifo.err;
    EXPECT_EQ(std::count(fifo.out.begin(), fifo.out.end(), '\n'), 1) << "the current file is still read";
    EXPECT_NE(fifo.err.find(rotated.string() + " skipped: it is a named pipe, not a file"), std::string::npos)
        << fifo.err;
    std::filesystem::remove(rotated);
    std::filesystem::remove(file);
    std::filesystem::create_symlink("/dev/zero", file);
    JobId second = start({"true"});
    EXPECT_EQ(wait_until_finished(second).state, JobState::completed);
    CliResult link = jobctl({"history"});
    EXPECT_EQ(link.exit_code, 0) << link.err;
    EXPECT_NE(link.err.find("is a symbolic link: skipped"), std::string::npos) << link.err;
}

// A table given by path keeps its history in its output folder, where no
// one else can put a file and no other table can be.
TEST_F(History, ATableGivenByPathKeepsItInItsOutputFolder) {
    std::string table = home() + "/by-path";
    ::setenv("JOBCTL_REPOSITORY", table.c_str(), 1);
    CliResult run = jobctl({"run", "--", "true"});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    CliResult read = jobctl({"history", "--json"});
    EXPECT_EQ(std::count(read.out.begin(), read.out.end(), '\n'), 1) << read.err;
    EXPECT_TRUE(std::filesystem::exists(table + ".output/history.jsonl"));
    EXPECT_EQ(jobctl({"repository", "delete"}).exit_code, 0);
    EXPECT_FALSE(std::filesystem::exists(table + ".output"));
    ::setenv("JOBCTL_REPOSITORY", repository_name().c_str(), 1);
}

// As if whoever ended a job had died before its line: the line is not in
// the file and the slot's mark still says it is coming. A reader writes it
// for a job that ended over 10 s ago; a removal, the last chance, for any.
// A line written twice (its ender was only stopped) is read once.
TEST_F(History, ALineItsEnderDidNotWriteIsWrittenByAnother) {
    auto as_if_its_ender_died = [&](JobId id, std::int64_t ended_ago_ns) {
        std::filesystem::remove(history_file(repository()));
        detail::SlotPatch::update(detail::table_of(repository()), id, [&](detail::JobSlot& slot) {
            slot.history_line = detail::kHistoryLinePending;
            slot.ended_ns -= ended_ago_ns;
            return true;
        });
    };
    JobId old = start({"true"});
    wait_until_finished(old);
    ASSERT_EQ(entries_of(repository()).size(), 1u);
    as_if_its_ender_died(old, 20'000'000'000);
    std::vector<HistoryEntry> entries = entries_of(repository());
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].job.id, old);

    JobId recent = start({"true"});
    wait_until_finished(recent);
    ASSERT_EQ(entries_of(repository()).size(), 2u);
    as_if_its_ender_died(recent, 0);
    ASSERT_EQ(jobctl({"remove", std::to_string(recent)}).exit_code, 0);
    entries = entries_of(repository());
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].job.id, recent);

    std::string line = history_line(entries[0]);
    { std::ofstream(history_file(repository()), std::ios::app) << line << '\n'; }
    EXPECT_EQ(entries_of(repository()).size(), 1u) << "one end, one entry";
}

// The history outlives the table too: with a damaged table it is read
// without it (with a warning); a repository that does not exist is not
// made by a look at its history.
TEST_F(History, IsReadWithoutAUsableTable) {
    ASSERT_EQ(jobctl({"run", "--name", "kept", "--", "true"}).exit_code, 0);
    std::string table = table_path_of(repository_name());
    { std::fstream(table, std::ios::in | std::ios::out | std::ios::binary).write("garbage!", 8); }
    CliResult damaged = jobctl({"history", "--json", "kept"});
    EXPECT_EQ(damaged.exit_code, 0) << damaged.err;
    EXPECT_NE(damaged.out.find("\"name\":\"kept\""), std::string::npos) << damaged.out;
    EXPECT_NE(damaged.err.find("reading its history without it"), std::string::npos) << damaged.err;

    ::setenv("JOBCTL_REPOSITORY", "never-made", 1);
    CliResult none = jobctl({"history"});
    ::setenv("JOBCTL_REPOSITORY", repository_name().c_str(), 1);
    EXPECT_EQ(none.exit_code, 0) << none.err;
    EXPECT_FALSE(Repository::exists("never-made"));
}

// foreach --joblog writes GNU parallel's joblog: a header, then a line per
// child as it ends, with its input's number, exit code and command.
TEST_F(History, ForeachWritesParallelsJoblog) {
    std::string joblog = home() + "/joblog";
    CliResult run = jobctl({"foreach", "-q", "-j", "2", "--joblog", joblog, "--", "sh", "-c",
                            "echo {}; exit {}", ":::", "0", "1", "2"});
    EXPECT_EQ(run.exit_code, 1) << run.err;
    std::ifstream in(joblog);
    std::string header;
    std::getline(in, header);
    EXPECT_EQ(header, "Seq\tHost\tStarttime\tJobRuntime\tSend\tReceive\tExitval\tSignal\tCommand");
    std::map<int, std::vector<std::string>> lines;
    for (std::string line; std::getline(in, line);) {
        std::vector<std::string> fields;
        std::istringstream split(line);
        for (std::string field; std::getline(split, field, '\t');) fields.push_back(field);
        ASSERT_EQ(fields.size(), 9u) << line;
        lines[std::stoi(fields[0])] = fields;
    }
    ASSERT_EQ(lines.size(), 3u);
    for (int seq = 1; seq <= 3; ++seq) {
        EXPECT_EQ(lines[seq][1], ":");
        EXPECT_EQ(lines[seq][6], std::to_string(seq - 1)) << "Exitval";
        EXPECT_EQ(lines[seq][7], "0") << "Signal";
        EXPECT_EQ(lines[seq][5], "2") << "Receive: the bytes on stdout, '0\\n'";
        EXPECT_EQ(lines[seq][8],
                  "sh -c 'echo " + std::to_string(seq - 1) + "; exit " + std::to_string(seq - 1) + "'");
    }
    CliResult nowhere =
        jobctl({"foreach", "--joblog", home() + "/no/such/folder/log", "--", "true", ":::", "1"});
    EXPECT_EQ(nowhere.exit_code, 2);
    EXPECT_NE(nowhere.err.find("cannot write the joblog"), std::string::npos) << nowhere.err;
    std::string fifo = home() + "/fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
    std::string table = table_path_of(repository_name());
    for (const std::string& bad : {fifo, table, history_file(repository()).string(), std::string("-")}) {
        CliResult refused = jobctl({"foreach", "--joblog", bad, "--", "true", ":::", "1"});
        EXPECT_EQ(refused.exit_code, 2) << bad << ": " << refused.err;
    }
    EXPECT_EQ(jobctl({"get"}).exit_code, 0) << "the table is whole";
    EXPECT_EQ(repository().list().size(), 0u) << "nothing registered";
}

}  // namespace
}  // namespace jobctl::test
