#include "jobctl/receive.hpp"

#include <algorithm>
#include <string>

#include "jobctl/error.hpp"
#include "jobctl/job_listing.hpp"
#include "jobctl/job_waiting.hpp"
#include "jobs/job_lookup.hpp"
#include "output/output_log.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"

namespace jobctl {
namespace {

// Marks output received up to `offset`; and, once the whole output of a
// finished job was handed over (`handed_over`), its outcome too: only such
// a job may a full table evict.
void advance_read_offset(Repository& repository, JobId id, std::uint64_t offset, bool handed_over) {
    detail::lifecycle_of(repository).mark_received(id, offset, handed_over);
}

// One job's own log. False if the job was removed before all of its output
// was delivered.
bool receive_own_output(Repository& repository, JobId id, const ReceiveOptions& options,
                        const TimedOutputSink& sink) {
    auto job = repository.find(id);
    if (!job) return false;
    OutputLogReader reader(detail::table_of(repository).job_directory(id));
    std::uint64_t position = job->read_offset;
    bool vanished = false;
    JobInfo last = *job;  // the last copy delivered from
    // Delivers what the copy says is written; true once nothing more can come.
    auto deliver = [&](const JobInfo& copy) {
        last = copy;
        std::uint64_t before = position;
        position = reader.read(position, copy.output_bytes, sink);
        bool all_of_it = copy.finished() && position >= copy.output_bytes;
        if (!options.keep && (position > before || all_of_it))
            advance_read_offset(repository, id, position, all_of_it);
        // A finished job whose log cannot be read further (removed) has no more to give.
        return copy.finished() && (position >= copy.output_bytes || position == before);
    };
    // After the records: a finished job that a full disk cost output says so.
    auto tell_truncation = [&] {
        if (options.on_truncated && last.finished())
            if (std::string_view truncation = output_truncation(last); !truncation.empty())
                options.on_truncated(last, truncation);
    };
    if (!options.follow) {
        deliver(*job);
        tell_truncation();
        // Short of what the copy said was written: its log went with a remove?
        return position >= job->output_bytes || repository.find(id).has_value();
    }
    auto follow = [&](const std::vector<JobInfo>& jobs) {
        if (jobs.empty()) {
            detail::table_of(repository).check_intact();  // not removed: the whole table is gone
            return vanished = true;
        }
        return deliver(jobs.front());
    };
    wait_until(repository, {id}, follow, std::nullopt);
    if (!vanished) tell_truncation();
    return !vanished;
}

}  // namespace

void receive_output(Repository& repository, JobId id, const ReceiveOptions& options, const OutputSink& sink) {
    receive_output(
        repository, id, options,
        [&](OutputStream stream, std::string_view bytes, Clock::time_point) { sink(stream, bytes); });
}

void receive_output(Repository& repository, JobId id, const ReceiveOptions& options,
                    const TimedOutputSink& sink) {
    JobInfo job = detail::require_job(repository, id);
    // A parent hands over each child's output whole, in input (id) order.
    // (Children have no children: no need to look for them.)
    bool whole = true;
    if (job.parent_id == 0)
        for (const JobInfo& child : children_of(repository.list(), id))
            whole = receive_own_output(repository, child.id, options, sink) && whole;
    whole = receive_own_output(repository, id, options, sink) && whole;
    // Removed meanwhile (a family's remove takes the children first): say
    // so, rather than let a part pass for the whole.
    if (!whole)
        throw Error(ErrorCode::job_not_found,
                    "job " + std::to_string(id) + " was removed before all of its output was received");
}

}  // namespace jobctl
