#pragma once
// What the table targets do with a table, damaged or not.

#include <string>

namespace jobctl::fuzz {

// Opens repository `name` of the fuzz home and uses it the way the commands
// do: lists (with liveness checks), renders, receives, waits, stops, adds,
// removes. A damaged table may be refused or read as odd jobs, but every
// failure must be a jobctl::Error with a message: anything else aborts, and
// the fuzzer reports it (as it reports a crash, a hang or a sanitizer's
// finding).
void use_repository(const std::string& name);

}  // namespace jobctl::fuzz
