#pragma once
// What a thread job's body gets: its output streams, a way to write result
// records and progress, and whether someone (in any process) asked it to stop.

#include <atomic>
#include <cereal/archives/json.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <ostream>
#include <sstream>
#include <string>
#include <string_view>

#include "jobctl/job.hpp"
#include "jobctl/repository.hpp"

namespace jobctl {

namespace detail {
class JobOutput;
class ThreadJobPool;
struct ThreadJobEntry;
}  // namespace detail

class JobContext {
public:
    JobContext(Repository& repository, std::shared_ptr<detail::ThreadJobEntry> entry);
    ~JobContext();
    JobContext(const JobContext&) = delete;
    JobContext& operator=(const JobContext&) = delete;

    JobId id() const;
    // True once `jobctl stop` (or Job::stop, or the host's destructor) asked
    // the job to stop. Cheap: one atomic load. Return soon after it is true.
    bool stop_requested() const;

    // The job's output and error streams, receivable from any process. Text
    // becomes visible on flush (std::flush, std::endl), when 64 KiB are
    // pending, and when the job ends. Use from the job's own thread.
    std::ostream& out();
    std::ostream& err();

    // Appends a result record: `value` serialised by cereal as one line of
    // JSON, {"result": ...}. Job::receive<T>() reads them back.
    template <class T>
    void write_result(const T& value) {
        std::ostringstream text;
        {
            cereal::JSONOutputArchive archive(text, cereal::JSONOutputArchive::Options::NoIndent());
            archive(cereal::make_nvp("result", value));
        }
        write_result_json(text.str());
    }
    // Errors (of both): system when the log cannot be written.
    void write_result_json(const std::string& json);

    // Records how far the job has got (Write-Progress): `fraction` of the
    // work done, 0 to 1, and what it is doing now (cut to 63 bytes). Every
    // process sees it (`jobctl get` shows a Progress column, `watch` reports
    // it). Cheap to call often: at most 10 updates a second reach the
    // repository, and the last one always does (at 1, or when the job ends).
    // Errors: invalid_argument (a fraction outside 0..1 or not a number).
    void progress(double fraction, std::string_view text = {});

    // Library use: a descriptor that becomes readable when a stop is requested.
    int stop_event_fd();
    // Library use: readable (and drained by the reader) whenever a suspend
    // or resume may have been requested; the job's suspend flag says which.
    // Only foreach children act on it: other thread jobs cannot be suspended.
    int suspend_event_fd();
    void flush();

private:
    friend class detail::ThreadJobPool;
    // For the job's reason: "output truncated: ..." if a full disk cost output, else empty.
    std::string output_loss_text() const;

    void publish_progress();

    Repository& repository_;
    std::shared_ptr<detail::ThreadJobEntry> entry_;
    std::unique_ptr<detail::JobOutput> output_;
    std::optional<JobProgress> pending_progress_;  // reported, not yet written
    std::chrono::steady_clock::time_point progress_written_{};
};

}  // namespace jobctl
