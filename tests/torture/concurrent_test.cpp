// Many processes at once: JOBCTL_TORTURE_PROCESSES processes (default 4;
// scripts/torture.sh: 16) each do JOBCTL_TORTURE_OPERATIONS random
// operations (default 50; 1000) on one table: start (some with retries,
// their first attempt failing), get, wait, receive, stop, remove, foreach,
// reading the history, and restarting a finished job of its own. Each
// keeps a model of what it saw (states only forward, but for Blocked
// between two attempts and a restart's new run; ids unique and growing;
// its own jobs' output exact, but for those restarted) and reports to the
// test, which then checks the table's invariants as after a fault, and a
// history line for each end of each job.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "jobctl/error.hpp"
#include "jobctl/foreach_job.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_history.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/process_job.hpp"
#include "jobctl/receive.hpp"
#include "repository_test.hpp"
#include "torture_support.hpp"

namespace jobctl::torture {
namespace {

using namespace std::chrono_literals;

enum class Operation { start, get, wait, receive, stop, remove, foreach, history, restart };
constexpr std::pair<Operation, const char*> kOperations[] = {
    {Operation::start, "start"},     {Operation::get, "get"},         {Operation::wait, "wait"},
    {Operation::receive, "receive"}, {Operation::stop, "stop"},       {Operation::remove, "remove"},
    {Operation::foreach, "foreach"}, {Operation::history, "history"}, {Operation::restart, "restart"},
};
constexpr int kWeights[] = {3, 2, 2, 3, 1, 2, 1, 1, 1};

// One process's run. It writes its report, line by line, to `report`:
//   count OPERATION N | fail TEXT | started ID | removed ID | expect NAME TAG LINES |
//   restarted ID NAME
class Participant {
public:
    Participant(int index, std::uint64_t seed, std::ostream& report)
        : index_(index), random_(seed + static_cast<std::uint64_t>(index)), report_(report) {}

    void run(int operations) {
        for (int op = 0; op < operations; ++op) {
            Operation operation = pick();
            try {
                perform(operation, op);
            } catch (const Error& error) {
                fail(std::string(name_of(operation)) + ": " + error.what());
            } catch (const std::exception& error) {
                fail(std::string(name_of(operation)) + ": " + error.what());
            }
            ++counts_[operation];
        }
        finish();
        for (auto [operation, count] : counts_)
            report_ << "count " << name_of(operation) << ' ' << count << '\n';
    }

private:
    struct OwnJob {
        Expected expected;
        Expected received;
        bool vanished = false;
    };

    static const char* name_of(Operation operation) {
        for (auto [value, name] : kOperations)
            if (value == operation) return name;
        return "?";
    }

    Operation pick() {
        std::discrete_distribution<int> weights(std::begin(kWeights), std::end(kWeights));
        return kOperations[weights(random_)].first;
    }

    void fail(const std::string& text) { report_ << "fail process " << index_ << ": " << text << '\n'; }

    // For a failure report: a family's slots as they are now, and where the
    // output received first differs from the output expected.
    std::string family_details(JobId parent, const Expected& expected, const Expected& received) {
        std::ostringstream text;
        for (const JobInfo& job : repository_.list())
            if (job.id == parent || job.parent_id == parent)
                text << "\n  job " << job.id << " " << to_string(job.state) << " '" << job.reason
                     << "' output_bytes " << job.output_bytes << " read_offset " << job.read_offset;
        auto differ = [&](const char* stream, const std::string& want, const std::string& got) {
            if (want == got) return;
            std::size_t at = 0;
            while (at < want.size() && at < got.size() && want[at] == got[at]) ++at;
            text << "\n  " << stream << ": expected " << want.size() << " bytes, received " << got.size()
                 << ", first difference at " << at << ": expected '" << want.substr(at, 60) << "', received '"
                 << got.substr(at, 60) << "'";
        };
        differ("out", expected.out, received.out);
        differ("err", expected.err, received.err);
        return text.str();
    }

    // States only forward, ids unique; in a whole listing, new ids above every id seen before.
    void look(const std::vector<JobInfo>& jobs, bool whole_table) {
        std::set<JobId> ids;
        JobId highest_before = highest_;
        for (const JobInfo& job : jobs) {
            if (!ids.insert(job.id).second) fail("id " + std::to_string(job.id) + " listed twice");
            auto created = job.created ? job.created->time_since_epoch().count() : 0;
            auto began = job.began ? job.began->time_since_epoch().count() : 0;
            auto it = seen_.find(job.id);
            if (it == seen_.end()) {
                if (whole_table && job.id <= highest_before)
                    fail("new job " + std::to_string(job.id) + " not above the highest id seen, " +
                         std::to_string(highest_before));
                seen_[job.id] = {job.state, created, began};
            } else {
                Seen& seen = it->second;
                if (seen.created != created) fail("id " + std::to_string(job.id) + " reused");
                // Restarted: a new run, which began again (or has not yet).
                // (A job begins once a run; only a restart clears it, or sets it anew.)
                bool new_run = seen.began != 0 && began != seen.began;
                if (!new_run && went_backwards(job, seen.state))
                    fail("job " + std::to_string(job.id) + " went from " +
                         std::string(to_string(seen.state)) + " back to " +
                         std::string(to_string(job.state)));
                seen.state = job.state;
                seen.began = began;
            }
            if (whole_table) highest_ = std::max(highest_, job.id);
        }
        if (whole_table) snapshot_ = jobs;
    }

    std::string tag(int op) { return "p" + std::to_string(index_) + "o" + std::to_string(op); }
    int lines() { return std::uniform_int_distribution<int>(0, 60)(random_); }
    bool chance(int percent) { return std::uniform_int_distribution<int>(0, 99)(random_) < percent; }

    template <class Map>
    auto pick_from(Map& map) -> decltype(map.begin()) {
        if (map.empty()) return map.end();
        auto it = map.begin();
        std::advance(it, std::uniform_int_distribution<std::size_t>(0, map.size() - 1)(random_));
        return it;
    }

    std::optional<JobId> own_job() {
        std::vector<JobId> live;
        for (const auto& [id, job] : own_)
            if (!job.vanished) live.push_back(id);
        if (live.empty()) return std::nullopt;
        return live[std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(random_)];
    }

    // Any job of the last whole-table look; only top-level ones when
    // `top_level`: a child removed while its foreach runs takes its output
    // with it, which the foreach's own check would count as lost.
    std::optional<JobId> any_job(bool top_level = false) {
        std::vector<JobId> candidates;
        for (const JobInfo& job : snapshot_)
            if (!top_level || job.parent_id == 0) candidates.push_back(job.id);
        if (candidates.empty()) return own_job();
        return candidates[std::uniform_int_distribution<std::size_t>(0, candidates.size() - 1)(random_)];
    }

    // Retries: the first attempt fails before it prints anything (it leaves
    // a mark), the second prints as any job: the same output, expected once.
    void fail_first_attempt(ProcessJobSpec& spec, const std::string& name) {
        std::string mark = std::string(std::getenv("JOBCTL_HOME")) + "/failed-once-" + name;
        std::vector<std::string> argv{
            "sh", "-c", "[ -e \"$1\" ] || { : > \"$1\"; exit 1; }; shift; exec \"$@\"", "sh", mark};
        argv.insert(argv.end(), spec.argv.begin(), spec.argv.end());
        spec.argv = argv;
        spec.run.retry.retries = 2;
    }

    // One of its own jobs, finished, runs again under its id: from here on
    // its output is two runs', which nobody checks; its history has a line
    // more when it ends again.
    void restart_own_job() {
        auto id = own_job();
        if (!id) return;
        try {
            JobInfo job = restart_process_job(repository_, *id);
            report_ << "restarted " << job.id << ' ' << job.name << '\n';
            own_.at(*id).vanished = true;
        } catch (const Error& error) {
            // Not finished yet, removed meanwhile, or never run (stopped before it started).
            if (error.code() != ErrorCode::job_busy && error.code() != ErrorCode::job_not_found &&
                error.code() != ErrorCode::invalid_argument)
                throw;
        }
    }

    void receive(JobId id, bool follow) {
        OwnJob& job = own_.at(id);
        try {
            receive_output(repository_, id, {.keep = false, .follow = follow},
                           [&](OutputStream stream, std::string_view bytes) {
                               if (stream == OutputStream::out) job.received.out.append(bytes);
                               if (stream == OutputStream::err) job.received.err.append(bytes);
                           });
        } catch (const Error& error) {
            if (error.code() != ErrorCode::job_not_found) throw;
            job.vanished = true;  // someone removed it (finished)
        }
    }

    void perform(Operation operation, int op) {
        switch (operation) {
            case Operation::start: {
                std::string name = tag(op);
                int count = lines();
                ProcessJobSpec spec{name, printing_command(name, count, chance(20) ? "0.02" : "")};
                if (chance(15)) fail_first_attempt(spec, name);
                JobInfo job = start_process_job(repository_, spec);
                own_[job.id].expected = printing_output(name, count);
                report_ << "started " << job.id << "\nexpect " << name << ' ' << name << ' ' << count << '\n';
                break;
            }
            case Operation::get:
                look(list_jobs(repository_), true);
                break;
            case Operation::wait: {
                auto id = own_job();
                if (!id) break;
                // Another participant may remove it meanwhile: gone is as good as ended here.
                auto jobs = wait_for_jobs(repository_, {*id}, WaitMode::all, deadline_after(60s),
                                          OnRemoved::finished);
                if (!jobs)
                    fail("job " + std::to_string(*id) + " did not finish within 60 s");
                else
                    look(*jobs, false);
                break;
            }
            case Operation::receive:
                if (auto id = own_job()) receive(*id, chance(30));
                break;
            case Operation::stop:
                if (auto id = any_job()) {
                    try {
                        request_stop(repository_, *id, 300ms);
                    } catch (const Error& error) {
                        if (error.code() != ErrorCode::job_not_found) throw;
                    }
                }
                break;
            case Operation::remove: {
                auto id = chance(75) ? own_job() : any_job(true);
                if (!id) break;
                try {
                    remove_job(repository_, *id);
                    report_ << "removed " << *id << '\n';
                    if (auto it = own_.find(*id); it != own_.end()) it->second.vanished = true;
                } catch (const Error& error) {
                    if (error.code() != ErrorCode::job_not_found && error.code() != ErrorCode::job_busy)
                        throw;
                }
                break;
            }
            case Operation::foreach: {
                std::string name = tag(op);
                int count = lines();
                ForeachSpec spec{
                    name, printing_command_for_foreach(count), {name + "-1", name + "-2"}, 2, {}};
                Expected expected;
                for (std::size_t i = 0; i < spec.inputs.size(); ++i) {
                    Expected child = printing_output(spec.inputs[i], count);
                    expected.out += child.out;
                    expected.err += child.err;
                    report_ << "expect " << name << ':' << i + 1 << ' ' << spec.inputs[i] << ' ' << count
                            << '\n';
                }
                ForeachJob run(repository_, spec);
                report_ << "started " << run.parent().id << '\n';
                JobInfo parent = run.run({});
                OwnJob& job = own_[parent.id];
                job.expected = expected;
                receive(parent.id, false);
                // Completed only if every child did: then all of it, exactly.
                if (parent.state == JobState::completed && !job.vanished &&
                    (job.received.out != expected.out || job.received.err != expected.err))
                    fail("foreach " + std::to_string(parent.id) + " received other output than it printed" +
                         family_details(parent.id, expected, job.received));
                own_.erase(parent.id);
                try {
                    remove_job(repository_, parent.id);
                    report_ << "removed " << parent.id << '\n';
                } catch (const Error& error) {
                    if (error.code() != ErrorCode::job_not_found) throw;
                }
                break;
            }
            case Operation::history:
                read_the_history();
                break;
            case Operation::restart:
                restart_own_job();
                break;
        }
    }

    // The history while others append to it: whole lines only, an ended
    // job's line once, in the state this process saw it end in.
    void read_the_history() {
        std::set<std::pair<JobId, std::int64_t>> ends;
        std::map<JobId, JobInfo> last;  // each job's last line: its last run's end
        HistoryReading reading = read_history(repository_, [&](const HistoryEntry& entry) {
            const JobInfo& job = entry.job;
            if (!ends.insert({job.id, job.ended ? job.ended->time_since_epoch().count() : 0}).second)
                fail("job " + std::to_string(job.id) + " has two history lines for one end");
            if (!job.finished())
                fail("history line of job " + std::to_string(job.id) + " in a state unended");
            last[job.id] = job;
        });
        for (const auto& [id, job] : last) {
            auto it = seen_.find(id);
            // The same run only: one restarted since has begun again.
            bool same_run =
                it != seen_.end() && job.began && job.began->time_since_epoch().count() == it->second.began;
            if (same_run && is_terminal(it->second.state) && it->second.state != job.state)
                fail("history says job " + std::to_string(id) + " ended " +
                     std::string(to_string(job.state)) + ", it was seen " +
                     std::string(to_string(it->second.state)));
        }
        if (reading.damaged_lines != 0)
            fail(std::to_string(reading.damaged_lines) + " damaged history line(s) with nobody killed");
    }

    // Every own job to its end, all its output received, and compared.
    void finish() {
        std::vector<JobId> ids;
        for (const auto& [id, job] : own_)
            if (!job.vanished) ids.push_back(id);
        if (!wait_for_jobs(repository_, ids, WaitMode::all, deadline_after(120s), OnRemoved::finished))
            fail("own jobs still unfinished after 120 s");
        for (auto& [id, job] : own_) {
            if (job.vanished) continue;
            receive(id, false);
            auto info = repository_.find(id);
            if (job.vanished || !info) continue;
            bool exact = job.received.out == job.expected.out && job.received.err == job.expected.err;
            bool prefix = job.expected.out.compare(0, job.received.out.size(), job.received.out) == 0 &&
                          job.expected.err.compare(0, job.received.err.size(), job.received.err) == 0;
            if (info->state == JobState::completed && !exact)
                fail("completed job " + std::to_string(id) + " received other output than it printed");
            if (!prefix) fail("job " + std::to_string(id) + " received output it never printed");
            ++verified_;
        }
        report_ << "verified " << verified_ << '\n';
    }

    int index_;
    std::mt19937_64 random_;
    std::ostream& report_;
    Repository repository_ = Repository::open();
    std::map<JobId, OwnJob> own_;
    struct Seen {
        JobState state;
        std::int64_t created;
        std::int64_t began;  // 0: not yet (a restarted job's run too)
    };
    std::map<JobId, Seen> seen_;
    JobId highest_ = 0;
    std::vector<JobInfo> snapshot_;
    std::map<Operation, int> counts_;
    int verified_ = 0;
};

using ManyProcesses = test::RepositoryTest;

TEST_F(ManyProcesses, RandomOperationsOnOneTable) {
    const int processes = count_from_environment("JOBCTL_TORTURE_PROCESSES", 4);
    const int operations = count_from_environment("JOBCTL_TORTURE_OPERATIONS", 50);
    const std::uint64_t seed = seed_from_environment();
    std::printf("seed %llu (JOBCTL_TORTURE_SEED repeats it), %d processes x %d operations\n",
                static_cast<unsigned long long>(seed), processes, operations);
    // Room for every job: a full table would evict, which is another test.
    ::setenv("JOBCTL_CAPACITY", "65536", 1);
    repository();  // created here, with that capacity
    ::unsetenv("JOBCTL_CAPACITY");

    std::set<pid_t> running;
    for (int index = 0; index < processes; ++index) {
        pid_t pid = ::fork();
        ASSERT_GE(pid, 0);
        if (pid == 0) {
            int code = 0;
            {
                std::ofstream report(home() + "/participant-" + std::to_string(index));
                try {
                    Participant(index, seed, report).run(operations);
                } catch (const std::exception& error) {
                    report << "fail process " << index << ": " << error.what() << '\n';
                    code = 1;
                }
            }
            ::_exit(code);
        }
        running.insert(pid);
    }
    // Reaps the participants and, meanwhile, the workers that exit and land
    // here (we are their subreaper): thousands in a full run.
    while (!running.empty()) {
        int status = 0;
        pid_t pid = ::waitpid(-1, &status, 0);
        if (pid < 0 && errno == EINTR) continue;
        ASSERT_GT(pid, 0) << std::strerror(errno);
        if (running.erase(pid) == 1) {
            EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
                << "participant " << pid << " ended with " << status;
        }
    }

    TableModel model;
    std::set<JobId> started, removed;
    std::map<std::string, int> counts;
    std::map<JobId, int> restarts;
    int restarted = 0;
    int verified = 0;
    for (int index = 0; index < processes; ++index) {
        std::ifstream report(home() + "/participant-" + std::to_string(index));
        for (std::string line; std::getline(report, line);) {
            std::istringstream words(line);
            std::string kind;
            words >> kind;
            if (kind == "fail") {
                ADD_FAILURE() << line << " (seed " << seed << ")";
            } else if (kind == "count") {
                std::string operation;
                int count = 0;
                words >> operation >> count;
                counts[operation] += count;
            } else if (kind == "started" || kind == "removed") {
                JobId id = 0;
                words >> id;
                (kind == "started" ? started : removed).insert(id);
            } else if (kind == "expect") {
                std::string name, tag;
                int lines = 0;
                words >> name >> tag >> lines;
                model.expect(name, printing_output(tag, lines));
            } else if (kind == "restarted") {
                JobId id = 0;
                std::string name;
                words >> id >> name;
                ++restarts[id];
                ++restarted;
                model.leave_output_unchecked(name);
            } else if (kind == "verified") {
                int count = 0;
                words >> count;
                verified += count;
            }
        }
    }
    // No job vanished without someone removing it.
    std::set<JobId> present;
    for (const JobInfo& job : repository().list()) present.insert(job.id);
    for (JobId id : started)
        EXPECT_TRUE(present.contains(id) || removed.contains(id))
            << "job " << id << " vanished (seed " << seed << ")";
    model.check_after_fault(repository(), "after " + std::to_string(processes) + " processes");
    // Every job has ended, each wrote its history line just after (a reader
    // waits for lines still being written): each job started has exactly
    // one, whole.
    std::map<JobId, int> lines;
    HistoryReading reading =
        read_history(repository(), [&](const HistoryEntry& entry) { ++lines[entry.job.id]; });
    EXPECT_EQ(reading.damaged_lines, 0u) << "seed " << seed;
    for (JobId id : started)
        EXPECT_EQ(lines[id], 1 + restarts[id]) << "history lines of job " << id << " (seed " << seed << ")";
    for (const auto& [id, count] : lines) EXPECT_LE(count, 1 + restarts[id]) << "history lines of job " << id;
    int total = 0;
    std::string figures;
    for (const auto& [operation, count] : counts) {
        total += count;
        figures += " " + operation + " " + std::to_string(count);
    }
    report_line("torture many processes: " + std::to_string(processes) + " processes x " +
                std::to_string(operations) + " operations = " + std::to_string(total) + " (" +
                figures.substr(1) + "); " + std::to_string(started.size()) + " jobs started, " +
                std::to_string(restarted) + " restarts, " + std::to_string(verified) +
                " outputs verified by their receivers, " + std::to_string(model.outputs_checked()) +
                " outputs compared at the end; seed " + std::to_string(seed));
}

}  // namespace
}  // namespace jobctl::torture
