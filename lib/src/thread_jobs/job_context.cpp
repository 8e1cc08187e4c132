#include "jobctl/job_context.hpp"

#include <algorithm>
#include <streambuf>

#include "jobctl/error.hpp"
#include "output/output_log.hpp"
#include "table/job_lifecycle.hpp"
#include "table/job_table.hpp"
#include "table/reason_text.hpp"
#include "thread_jobs/thread_job_entry.hpp"

namespace jobctl {
namespace detail {

// Buffers a thread job's text and appends it to the job's log as records.
// One pending buffer for both streams: switching streams flushes, so the
// relative order of out and err survives.
class JobOutput {
public:
    static constexpr std::size_t kFlushAt = 64 * 1024;

    JobOutput(Repository& repository, JobId id)
        : repository_(repository),
          id_(id),
          log_(detail::table_of(repository).job_directory(id)),
          out_buffer_(*this, OutputStream::out),
          err_buffer_(*this, OutputStream::err),
          out_(&out_buffer_),
          err_(&err_buffer_) {}

    std::ostream& out() { return out_; }
    std::ostream& err() { return err_; }

    void write(OutputStream stream, const char* data, std::size_t length) {
        if (!pending_.empty() && stream != pending_stream_) flush();
        pending_stream_ = stream;
        pending_.append(data, length);
        if (pending_.size() >= kFlushAt) flush();
    }

    void append_record(OutputStream stream, std::string_view bytes) {
        flush();
        publish(log_.append(stream, bytes));
    }

    // What the job's reason says of output that a full disk cost; empty when none was lost.
    std::string loss_text() const {
        return log_.lost_bytes() > 0 ? output_loss_text(log_.lost_bytes(), log_.loss_error()) : "";
    }

    void flush() {
        if (pending_.empty()) return;
        std::size_t written = 0;
        try {
            while (written < pending_.size()) {
                std::size_t length = std::min<std::size_t>(pending_.size() - written, kMaxRecordLength);
                log_.append(pending_stream_, std::string_view(pending_).substr(written, length));
                written += length;
            }
        } catch (...) {
            pending_.erase(0, written);  // what reached the log is not written twice
            if (written > 0) publish(log_.size());
            throw;
        }
        pending_.clear();
        publish(log_.size());
    }

private:
    class StreamBuffer : public std::streambuf {
    public:
        StreamBuffer(JobOutput& output, OutputStream stream) : output_(output), stream_(stream) {}

    protected:
        int_type overflow(int_type c) override {
            if (traits_type::eq_int_type(c, traits_type::eof())) return traits_type::not_eof(c);
            char byte = traits_type::to_char_type(c);
            output_.write(stream_, &byte, 1);
            return c;
        }
        std::streamsize xsputn(const char* data, std::streamsize length) override {
            output_.write(stream_, data, static_cast<std::size_t>(length));
            return length;
        }
        int sync() override {
            output_.flush();
            return 0;
        }

    private:
        JobOutput& output_;
        OutputStream stream_;
    };

    void publish(std::uint64_t size) { detail::lifecycle_of(repository_).publish_output(id_, size); }

    Repository& repository_;
    JobId id_;
    OutputLogWriter log_;  // opens (creates) the file on the first record only
    OutputStream pending_stream_ = OutputStream::out;
    std::string pending_;
    StreamBuffer out_buffer_;
    StreamBuffer err_buffer_;
    std::ostream out_;
    std::ostream err_;
};

}  // namespace detail

JobContext::JobContext(Repository& repository, std::shared_ptr<detail::ThreadJobEntry> entry)
    : repository_(repository),
      entry_(std::move(entry)),
      output_(std::make_unique<detail::JobOutput>(repository, entry_->id)) {}

JobContext::~JobContext() = default;

JobId JobContext::id() const {
    return entry_->id;
}
bool JobContext::stop_requested() const {
    return entry_->stop.load(std::memory_order_relaxed);
}
std::ostream& JobContext::out() {
    return output_->out();
}
std::ostream& JobContext::err() {
    return output_->err();
}
int JobContext::stop_event_fd() {
    return entry_->stop_event_fd();
}
int JobContext::suspend_event_fd() {
    return entry_->suspend_event_fd();
}
void JobContext::flush() {
    publish_progress();
    output_->flush();
}

void JobContext::progress(double fraction, std::string_view text) {
    if (!(fraction >= 0 && fraction <= 1))  // NaN too
        throw Error(ErrorCode::invalid_argument, "progress must be a fraction from 0 to 1");
    pending_progress_ = JobProgress{fraction, std::string(text)};
    // Each write wakes every waiter of the repository: a job that reports
    // per item must not cost them a wake-up per item.
    constexpr auto kMinInterval = std::chrono::milliseconds(100);
    if (fraction < 1 && std::chrono::steady_clock::now() - progress_written_ < kMinInterval) return;
    publish_progress();
}

void JobContext::publish_progress() {
    if (!pending_progress_) return;
    JobProgress progress = std::move(*pending_progress_);
    pending_progress_.reset();
    progress_written_ = std::chrono::steady_clock::now();
    detail::lifecycle_of(repository_).publish_progress(entry_->id, progress.fraction, progress.text);
}

std::string JobContext::output_loss_text() const {
    return output_->loss_text();
}

void JobContext::write_result_json(const std::string& json) {
    std::string line = json;
    // cereal's compact form may still break lines; JSON strings never hold raw newlines.
    std::erase(line, '\n');
    if (line.size() > kMaxRecordLength) throw Error(ErrorCode::invalid_argument, "result record too large");
    output_->append_record(OutputStream::result, line);
}

}  // namespace jobctl
