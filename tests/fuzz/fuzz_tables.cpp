#include "fuzz_tables.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <optional>
#include <sstream>
#include <string>

#include "fuzz_sandbox.hpp"
#include "job_json.hpp"
#include "jobctl/error.hpp"
#include "jobctl/job_control.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobctl/receive.hpp"
#include "jobctl/repository.hpp"
#include "jobs_table_printer.hpp"
#include "system/process_identity.hpp"
#include "table/job_table.hpp"

namespace jobctl::fuzz {
namespace {

// An Error is the expected end of damage, but it must say something.
void check_error(const Error& error) {
    if (std::string(error.what()).empty()) fail("an error without a message");
}

template <class Action>
void expecting_errors(Action&& action) {
    try {
        action();
    } catch (const Error& error) {
        check_error(error);
    }
}

// No process the fuzzed tables name was started by jobctl: a signal that
// passed the identity checks went where it never may.
void fail_on_signal(pid_t pid, int signal) {
    if (pid == ::getpid()) return;  // a thread job of this process (none is signalled today)
    fail("signal " + std::to_string(signal) + " to pid " + std::to_string(pid) +
         ", a process jobctl did not start");
}

// What breaks the table's invariants, or empty: every id unique and below
// next_id, every child's parent present and itself a top-level job, and
// the index agreeing with a scan of the slots.
// (The crash repair keeps them; segment_layout.hpp, "Crash repair".) Throws
// an Error when the table cannot be read at all.
std::string broken_invariant(Repository& repository, bool before = false) {
    detail::JobTable& table = detail::table_of(repository);
    const JobId next_id = table.next_id();
    const std::vector<JobInfo> jobs = table.list();
    // A listing leaves out ids at or above next_id (a registration not yet
    // committed); no registration runs here, so any such slot is damage.
    // (Only before: a damaged slot_limit may hide slots that a later add,
    // raising it, shows; that damage was there before the add.)
    const std::uint32_t in_use = repository.describe().in_use;
    if (before && in_use != jobs.size())
        return std::to_string(in_use - std::min<std::size_t>(in_use, jobs.size())) +
               " slots hold ids at or above next_id " + std::to_string(next_id);
    std::map<JobId, JobId> parent_of;
    for (const JobInfo& job : jobs) {
        if (!parent_of.emplace(job.id, job.parent_id).second)
            return "id " + std::to_string(job.id) + " twice";
        if (job.id >= next_id)
            return "id " + std::to_string(job.id) + " not below next_id " + std::to_string(next_id);
    }
    for (const JobInfo& job : jobs) {
        if (job.parent_id == 0) continue;
        auto parent = parent_of.find(job.parent_id);
        if (parent == parent_of.end())
            return "job " + std::to_string(job.id) + " has no parent " + std::to_string(job.parent_id);
        if (parent->second != 0)
            return "job " + std::to_string(job.id) + "'s parent " + std::to_string(job.parent_id) +
                   " is itself a child";
    }
    if (std::string mismatch = table.index_mismatch(); !mismatch.empty()) return "the index: " + mismatch;
    return "";
}

}  // namespace

void use_repository(const std::string& name) {
    testing::set_signal_hook(fail_on_signal);
    try {
        Repository repository = Repository::open(name);
        // A damaged table may break the invariants already (nobody repairs
        // what no crash left); one that keeps them must keep them whatever
        // is done to it.
        std::optional<std::string> broken_before;
        expecting_errors([&] { broken_before = broken_invariant(repository, true); });
        std::vector<JobInfo> jobs = list_jobs(repository);
        std::ostringstream rendered;
        cli::print_job_table(rendered, jobs);
        cli::print_job_json(rendered, jobs);
        expecting_errors([&] { repository.describe(); });
        std::vector<JobId> ids;
        for (const JobInfo& job : jobs) {
            if (ids.size() == 8) break;
            ids.push_back(job.id);
            expecting_errors([&] {
                receive_output(repository, job.id, {.keep = ids.size() % 2 == 0, .follow = false},
                               [](OutputStream stream, std::string_view) {
                                   if (stream < OutputStream::out || stream > OutputStream::info)
                                       fail("a record of no stream was delivered");
                               });
            });
        }
        expecting_errors(
            [&] { wait_for_jobs(repository, ids, WaitMode::any, std::chrono::steady_clock::now()); });
        for (std::size_t i = 0; i < ids.size(); ++i) {
            if (i % 3 == 0)
                expecting_errors([&] { request_stop(repository, ids[i], std::chrono::milliseconds(0)); });
            if (i % 3 == 1) expecting_errors([&] { remove_job(repository, ids[i]); });
        }
        expecting_errors([&] {
            JobInfo added =
                detail::table_of(repository).add({"", JobType::thread, "fuzz", 0, ::getpid(), 0, true});
            if (broken_before && broken_before->empty()) {
                if (std::string broken = broken_invariant(repository); !broken.empty())
                    fail("adding a job broke the table's invariants: " + broken);
            }
            remove_job(repository, added.id);
        });
        expecting_errors([&] { list_jobs(repository); });
        if (broken_before && broken_before->empty()) {
            expecting_errors([&] {
                if (std::string broken = broken_invariant(repository); !broken.empty())
                    fail("a table that kept its invariants lost them: " + broken);
            });
        }
    } catch (const Error& error) {
        check_error(error);
    }
}

}  // namespace jobctl::fuzz
