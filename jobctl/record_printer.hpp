#pragma once
// Where received output goes: a job's stdout to stdout, its stderr to
// stderr, result records to stdout as JSON lines; in the log's order.

#include <string_view>

#include "output/output_log.hpp"

namespace jobctl::cli {

void print_record(OutputStream stream, std::string_view bytes);

}  // namespace jobctl::cli
