#pragma once
// One line of the history file (jobctl/job_history.hpp): a JSON object on
// one line, written when a job ends and read back by `jobctl history`.
//
//   {"id":7,"parent_id":0,"name":"build","type":"process","state":"Failed",
//    "reason":"exit code 2","exit_code":2,"command":"make","cwd":"/src",
//    "location":"host","created":"…Z","began":"…Z","ended":"…Z",
//    "wall_ms":5120,"resources":{…},"output_bytes":4096,"attempts":1}
//
// Fields that do not apply are left out, as in `get --json`: exit_code,
// signal, external_id, queue, began, wall_ms, resources. A reader ignores
// fields it does not know, so that later versions may add some.

#include <optional>
#include <string>
#include <string_view>

#include "jobctl/job_history.hpp"

namespace jobctl::detail {

// The line for `entry`, without its newline.
std::string format_history_line(const HistoryEntry& entry);

// The entry `line` holds; nothing when it is not a whole history line
// (torn, or not JSON, or without an id, name, type, state or end time).
std::optional<HistoryEntry> parse_history_line(std::string_view line);

}  // namespace jobctl::detail
