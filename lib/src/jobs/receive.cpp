#include "jobctl/receive.hpp"

#include <algorithm>
#include <deque>
#include <string>
#include <vector>

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

// One job's own log, delivered from where this receive stands: the job's
// read position, or (all) the log's start.
class OwnOutput {
public:
    OwnOutput(Repository& repository, const JobInfo& job, const ReceiveOptions& options,
              const TimedOutputSink& sink)
        : repository_(repository),
          options_(options),
          sink_(sink),
          reader_(detail::table_of(repository).job_directory(job.id)),
          position_(options.all ? 0 : job.read_offset),
          last_(job),
          held_from_(position_) {}

    // What is written now. False if the job was removed before all of it
    // was delivered. With `hold_marks` (a receiver that keeps the backlog,
    // a tail, until it is told where the backlog ends), none of it is
    // marked received until mark_held().
    bool deliver_now(bool hold_marks = false) {
        auto job = repository_.find(last_.id);
        if (!job) return false;
        holding_marks_ = hold_marks;
        deliver(*job);
        holding_marks_ = false;
        // Short of what the copy said was written: its log went with a remove?
        return position_ >= job->output_bytes || repository_.find(last_.id).has_value();
    }

    // Until the job has finished and all of its output was delivered. False if it was removed first.
    bool follow() {
        bool vanished = false;
        auto step = [&](const std::vector<JobInfo>& jobs) {
            if (jobs.empty()) {
                detail::table_of(repository_).check_intact();  // not removed: the whole table is gone
                return vanished = true;
            }
            return deliver(jobs.front());
        };
        wait_until(repository_, {last_.id}, step, std::nullopt);
        return !vanished;
    }

    // What deliver_now(true) delivered, marked received now that the receiver has written it.
    void mark_held() {
        bool all_of_it = last_.finished() && position_ >= last_.output_bytes;
        if (!options_.keep && !options_.all && (position_ > held_from_ || all_of_it))
            advance_read_offset(repository_, last_.id, position_, all_of_it);
    }

    // After the records: a finished job that a full disk cost output says so.
    void tell_truncation() const {
        if (options_.on_truncated && last_.finished())
            if (std::string_view truncation = output_truncation(last_); !truncation.empty())
                options_.on_truncated(last_, truncation);
    }

private:
    // Delivers what the copy says is written, in batches that are each
    // marked received once delivered (so a receiver that dies gives out
    // again at most one batch); true once nothing more can come.
    bool deliver(const JobInfo& copy) {
        last_ = copy;
        std::uint64_t before = position_;
        if (holding_marks_) held_from_ = position_;
        for (;;) {
            std::uint64_t batch_start = position_;
            // A batch holds whole records: past the largest one's end if need be.
            std::uint64_t until = std::min(copy.output_bytes, position_ + kBatchBytes);
            position_ = reader_.read(position_, until, sink_);
            if (position_ == batch_start && until < copy.output_bytes)
                position_ = reader_.read(position_, copy.output_bytes, sink_);
            if (options_.on_delivered) options_.on_delivered();
            bool all_of_it = copy.finished() && position_ >= copy.output_bytes;
            if (!holding_marks_ && !options_.keep && !options_.all && (position_ > batch_start || all_of_it))
                advance_read_offset(repository_, copy.id, position_, all_of_it);
            if (position_ == batch_start || position_ >= copy.output_bytes) break;
        }
        // A finished job whose log cannot be read further (removed) has no more to give.
        return copy.finished() && (position_ >= copy.output_bytes || position_ == before);
    }

    static constexpr std::uint64_t kBatchBytes = 8u << 20;

    Repository& repository_;
    const ReceiveOptions& options_;
    const TimedOutputSink& sink_;
    OutputLogReader reader_;
    std::uint64_t position_;
    JobInfo last_;  // the last copy delivered from
    bool holding_marks_ = false;
    std::uint64_t held_from_ = 0;  // where the delivery whose marks are held began
};

// Delivers each job's output in turn. False if one was removed before all
// of its output was delivered.
bool deliver_in_turn(Repository& repository, const std::vector<JobId>& ids, const ReceiveOptions& options,
                     const TimedOutputSink& sink) {
    bool whole = true;
    std::deque<OwnOutput> outputs;  // not movable: a deque builds them in place
    for (JobId id : ids) {
        if (auto job = repository.find(id))
            outputs.emplace_back(repository, *job, options, sink);
        else
            whole = false;
    }
    // Without follow, or when the caller wants to know where the backlog
    // ends: first what is there now, job after job. A caller told where it
    // ends may keep it until then (a tail): it is marked received, and a
    // truncation said, only after that, so what is marked was written.
    bool held = options.on_caught_up != nullptr;
    if (!options.follow || held)
        for (OwnOutput& output : outputs) {
            whole = output.deliver_now(held) && whole;
            if (!options.follow && !held) output.tell_truncation();
        }
    if (held) {
        options.on_caught_up();
        for (OwnOutput& output : outputs) {
            output.mark_held();
            if (!options.follow) output.tell_truncation();
        }
    }
    if (options.follow)
        for (OwnOutput& output : outputs) {
            bool followed = output.follow();
            if (followed) output.tell_truncation();
            whole = followed && whole;
        }
    return whole;
}

// `parent`'s children above `after`, in id order.
std::vector<JobId> children_after(Repository& repository, JobId parent, JobId after) {
    std::vector<JobId> ids;
    for (const JobInfo& child : children_of(repository, parent))
        if (child.id > after) ids.push_back(child.id);
    std::ranges::sort(ids);
    return ids;
}

// Follows a parent: each child's output whole, in id order, those a
// foreach registers while it runs (reading its inputs) too, then the
// parent's own once it has finished. False if one was removed first.
bool follow_family(Repository& repository, JobId parent, const ReceiveOptions& options,
                   const TimedOutputSink& sink) {
    detail::JobTable& table = detail::table_of(repository);
    JobId followed_up_to = parent;  // children have higher ids than their parent
    bool whole = true;
    for (;;) {
        // Read before the look for children: a child registered after it moves it.
        JobId next_id = table.next_id();
        std::vector<JobId> children = children_after(repository, parent, followed_up_to);
        if (!children.empty()) {
            whole = deliver_in_turn(repository, children, options, sink) && whole;
            followed_up_to = children.back();
            continue;
        }
        // Until more children come, or the parent ends (it ends after its last child).
        auto settled = wait_until(
            repository, {parent},
            [&](const std::vector<JobInfo>& jobs) {
                if (jobs.empty() || jobs.front().finished()) return true;
                JobId now = table.next_id();
                if (now == next_id) return false;  // nothing registered since
                next_id = now;
                return !children_after(repository, parent, followed_up_to).empty();
            },
            std::nullopt);
        bool ended = !settled || settled->empty() || settled->front().finished();
        if (ended && children_after(repository, parent, followed_up_to).empty()) break;
    }
    return deliver_in_turn(repository, {parent}, options, sink) && whole;
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
    // (Children have no children: no need to look for them.) Followed, and
    // not cut at its backlog (a tail), it may get more children meanwhile.
    bool whole = true;
    bool may_get_children =
        job.parent_id == 0 && !runs_in_worker(job.type) && !job.registered_alone && !job.finished();
    if (options.follow && !options.on_caught_up && may_get_children) {
        whole = follow_family(repository, id, options, sink);
    } else {
        std::vector<JobId> ids;
        if (job.parent_id == 0)
            for (const JobInfo& child : children_of(repository, id)) ids.push_back(child.id);
        ids.push_back(id);
        whole = deliver_in_turn(repository, ids, options, sink);
    }
    // Removed meanwhile (a family's remove takes the children first): say
    // so, rather than let a part pass for the whole.
    if (!whole)
        throw Error(ErrorCode::job_not_found,
                    "job " + std::to_string(id) + " was removed before all of its output was received");
}

}  // namespace jobctl
