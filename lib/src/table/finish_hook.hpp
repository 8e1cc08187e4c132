#pragma once
// The finish hook (`--on-finish CMD`, and a foreach's `--on-child-finish
// CMD`): a shell command run once when a job ends, with the job's id, name,
// state, exit code, signal and reason in its environment (never in the
// shell text). Its command is kept in a file of the job's folder
// (`on-finish`; a foreach child's is its parent's `on-child-finish`), and
// the slot's `finish_hook` says there is one.
//
// Run by the process whose write ended the job (JobLifecycle's
// record_ending): the worker or host, or the process whose look found the
// job lost; one write ends a job, so it runs once. It runs detached, in a
// session of its own (nothing waits for it, and a stop of the job does
// not reach it), with signals as a new process has them, in the job's
// working folder (cwd), else the job's folder, with stdin /dev/null and
// the environment of the process that runs it. A process that stays for
// it ("jobctl-hook") copies its output into `on-finish.log` in the job's
// folder (the first 1M; the rest is drained) and writes into
// `on-finish.result` "running PID", then how it ended ("exited with code
// 0"); the job's outcome never changes for it. An ender killed between its
// write and the hook's start loses the hook.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

#include "jobctl/job.hpp"

namespace jobctl::detail {

class JobTable;

inline constexpr const char* kFinishHookFile = "on-finish";
inline constexpr const char* kChildFinishHookFile = "on-child-finish";
inline constexpr const char* kFinishHookLog = "on-finish.log";
inline constexpr const char* kFinishHookResult = "on-finish.result";
inline constexpr std::uint64_t kHookLogLimit = 1 << 20;  // of the hook's output in its log

// Errors: invalid_argument unless `command` is a hook's: not empty, no
// NUL byte, at most 64 KiB.
void check_finish_hook(const std::string& command, const char* option);

// Writes `command` as the hook of job `id` (`file`: kFinishHookFile, or a
// foreach parent's kChildFinishHookFile). Errors: system.
void keep_finish_hook(const JobTable& table, JobId id, const char* file, const std::string& command);

// The hook that `job` runs when it ends: its command, nothing when it has none.
std::optional<std::string> finish_hook_of(const JobTable& table, const JobInfo& job);

// Starts the hook of `ended` (which has one), detached; returns at once.
// A hook whose file is gone (its launcher died first) is not run.
void start_finish_hook(const JobTable& table, const JobInfo& ended);

}  // namespace jobctl::detail
