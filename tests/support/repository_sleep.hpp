#pragma once
// Proof that a process is asleep on a repository: a test of a wake-up must
// see the waiter asleep before it releases or kills what the waiter waits
// for, or a waiter that started late would pass by finding the job already
// ended, with the wake-up itself broken.

#include <sys/types.h>

#include <chrono>
#include <filesystem>

namespace jobctl::test {

// Waits until a thread of process `pid` sleeps (state S) in futex(2) on a
// word inside its mapping of the repository table `table` (the change
// counters a waiter sleeps on live there); true then. False if the process
// ended first or `timeout` passed. Reads /proc/PID/task/*/syscall and
// /proc/PID/maps (our own children, or as root), looking again every
// millisecond: a check, not a wait for something to happen by itself.
bool asleep_on_the_repository(pid_t pid, const std::filesystem::path& table,
                              std::chrono::seconds timeout = std::chrono::seconds(20));

}  // namespace jobctl::test
