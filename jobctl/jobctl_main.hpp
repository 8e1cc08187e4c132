#pragma once
// The whole jobctl command as a function: main() calls it, and so does the
// command-line fuzzer (tests/fuzz/), in process.

namespace jobctl::cli {

// Parses `argv`, runs the verb and returns the exit code (never exits the
// process; errors are reported on stderr as one line).
int jobctl_main(int argc, char** argv);

}  // namespace jobctl::cli
