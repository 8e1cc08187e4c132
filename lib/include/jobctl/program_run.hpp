#pragma once
// Running another system's client program to its end (sbatch, scontrol,
// crontab; ssh or kubectl for a custom job type's runner): found on PATH,
// text fed to its stdin, stdout and stderr captured whole, and a deadline,
// because a client that cannot reach its server may retry for a minute
// before it gives up. jobctl's Slurm jobs and schedules drive their engines
// with it. Safe from any thread: the program is started by vfork in a
// process group of its own, dies with the thread that started it, and is
// reaped by its pid alone.

#include <chrono>
#include <string>
#include <vector>

namespace jobctl {

inline constexpr std::chrono::milliseconds kDefaultProgramDeadline{60'000};

struct ProgramRunOptions {
    std::string input{};  // fed to the program's stdin; empty: /dev/null
    std::chrono::milliseconds deadline = kDefaultProgramDeadline;
    // Said after "NAME not found on PATH" when it is not there: what to install.
    std::string not_found_hint{};
};

struct ProgramResult {
    std::string program;  // argv[0], as given: "sbatch"
    int exit_status = 0;  // the exit code, or 128 + the signal that killed it
    std::string out;
    std::string err;
    bool succeeded() const { return exit_status == 0; }
};

// Runs `argv` (argv[0] looked up on PATH as execvp would) to its end, in
// this process's environment and folder. A non-zero exit is not an error
// here: the result says it. Errors: invalid_argument (no argv);
// program_not_found (argv[0] is not on PATH, or could not be started);
// timeout (it overran the deadline: it and its process group were killed
// and reaped first); system.
ProgramResult run_program(const std::vector<std::string>& argv, const ProgramRunOptions& options = {});

}  // namespace jobctl
