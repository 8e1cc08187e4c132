#include "event_printer.hpp"

#include <cereal/archives/json.hpp>
#include <cereal/types/string.hpp>
#include <sstream>
#include <string>

#include "job_json.hpp"
#include "printable_text.hpp"
#include "terminal_style.hpp"
#include "time_text.hpp"

namespace jobctl::cli {
namespace {

std::string percent(double fraction) {
    return std::to_string(static_cast<int>(fraction * 100 + 1e-9)) + "%";
}

std::string missed_text(const JobEvent& event) {
    if (event.missed == 0) return "";
    return " (" + std::to_string(event.missed) + " earlier " + (event.missed == 1 ? "change" : "changes") +
           " not seen)";
}

}  // namespace

void print_event_line(std::ostream& out, const JobEvent& event, bool color) {
    const JobInfo& job = event.job;
    out << local_time(event.at) << "  " << job.id << "  " << printable(job.name) << "  ";
    std::string_view state = to_string(event.state);
    switch (event.kind) {
        case JobEvent::Kind::created:
            out << "created " << colored(event.state, state, color);
            break;
        case JobEvent::Kind::state_changed:
            out << (event.from ? to_string(*event.from) : "?") << " -> "
                << colored(event.state, state, color);
            // The reason says why a job is Blocked, Failed or Stopped; it is read when the event
            // is reported, so only a state that is still the job's own gets it.
            if (!job.reason.empty() && event.state == job.state) out << ": " << printable(job.reason);
            break;
        case JobEvent::Kind::progress:
            out << "progress " << (job.progress ? percent(job.progress->fraction) : "");
            if (job.progress && !job.progress->text.empty()) out << " " << printable(job.progress->text);
            break;
        case JobEvent::Kind::removed:
            out << "removed";
            break;
        case JobEvent::Kind::updated:
            out << "updated";
            break;
    }
    out << missed_text(event) << '\n';
}

void print_event_json(std::ostream& out, const JobEvent& event) {
    const JobInfo& job = event.job;
    std::ostringstream text;
    {
        cereal::JSONOutputArchive archive(text, cereal::JSONOutputArchive::Options::NoIndent());
        archive(cereal::make_nvp("time", iso_time(event.at)),
                cereal::make_nvp("event", std::string(to_string(event.kind))), cereal::make_nvp("id", job.id),
                cereal::make_nvp("name", job.name), cereal::make_nvp("parent_id", job.parent_id));
        if (event.from) archive(cereal::make_nvp("from", std::string(to_string(*event.from))));
        archive(cereal::make_nvp("state", std::string(to_string(event.state))));
        if (event.state == job.state) archive(cereal::make_nvp("reason", job.reason));
        if (job.exit_code && event.state == job.state) archive(cereal::make_nvp("exit_code", *job.exit_code));
        if (job.resources && event.state == job.state) archive(cereal::make_nvp("resources", *job.resources));
        if (job.progress) {
            archive(cereal::make_nvp("progress", job.progress->fraction));
            archive(cereal::make_nvp("progress_text", job.progress->text));
        }
        if (event.missed > 0) archive(cereal::make_nvp("missed", event.missed));
    }
    std::string line = text.str();
    std::erase(line, '\n');  // cereal's compact form still breaks lines; JSON strings hold none raw
    out << line << '\n';
}

}  // namespace jobctl::cli
