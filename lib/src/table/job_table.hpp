#pragma once
// The job table behind a Repository handle: every read and write of job
// slots, and the change counters that waiters sleep on. Library-internal;
// reach it from a Repository with table_of(repository).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"
#include "table/repository_location.hpp"
#include "table/segment_layout.hpp"

namespace jobctl::detail {

class Segment;

// What a new job is registered with.
struct NewJob {
    std::string name;  // empty: "Job<id>"
    JobType type = JobType::process;
    std::string command;  // display text
    JobId parent_id = 0;
    int owner_pid = 0;  // who answers for the job until it is claimed
    std::uint64_t owner_start_time = 0;
    bool owner_claimed = false;  // the owner runs the job itself (a thread-job host)
};

class JobTable {
public:
    JobTable(RepositoryLocation location, std::unique_ptr<Segment> segment);
    ~JobTable();

    const std::string& name() const { return location_.name; }
    const RepositoryLocation& location() const { return location_; }
    std::uint32_t capacity() const;
    // <spool>/<id>: where a job's output lives.
    std::filesystem::path job_directory(JobId id) const;

    // Registers a job (NotStarted).
    // Errors: invalid_argument (a bad name), repository_full.
    JobInfo add(const NewJob& job);
    std::optional<JobInfo> find(JobId id) const;
    std::vector<JobInfo> list() const;  // by id
    // The id the next job will get: every job listed after this call whose
    // id is below it existed before the call.
    JobId next_id() const;
    // Frees the job's slot (its id is never reused). False if it was not there.
    bool erase(JobId id);

    // What a change is, for those who watch for it.
    enum class Change { ordinary, stop_request };

    // Applies `change` to the job's slot under the lock. The slot is written
    // back (crash-safely) and waiters woken only if `change` returns true; a
    // stop request also moves the stop-request count, in the same critical
    // section. Returns false when the job does not exist.
    bool update(JobId id, const std::function<bool(JobSlot&)>& change, Change kind = Change::ordinary);

    // Change notification: read the counter, check your condition, then wait
    // on the value you read. A change in between makes the wait return at once.
    // `Changes::of_state` leaves out output appended and output received,
    // the most frequent changes by far: waiting for jobs to finish needs only
    // the rest.
    enum class Changes { any, of_state };
    std::uint32_t change_count(Changes which = Changes::any) const;
    void wait_for_change(std::uint32_t seen, std::chrono::nanoseconds timeout,
                         Changes which = Changes::any) const;
    // Wakes every waiter, whatever it waits for.
    void notify_change() const;

    // How many stops were ever requested here; a host of thread jobs checks
    // its jobs' stop flags only when this moved.
    std::uint32_t stop_request_count() const;

    // Fills in the table's part of `info`: capacity, slots in use, layout, boot.
    void describe_table(RepositoryInfo& info) const;

private:
    void notify(bool of_state) const;
    std::atomic<std::uint32_t>& counter(Changes which) const;

    RepositoryLocation location_;
    std::unique_ptr<Segment> segment_;
};

// Errors: invalid_argument unless `name` is a usable job name.
void check_job_name(const std::string& name);

}  // namespace jobctl::detail
