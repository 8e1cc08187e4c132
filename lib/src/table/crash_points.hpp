#pragma once
// Test-only hooks: let a test kill a process at an exact point inside the
// repository's critical section, to prove that the next locker recovers.
// Production code never installs a hook by itself; the check is one load of a
// pointer. Private to the library and its tests (not installed).
//
// Two ways in:
//  - set_crash_hook, from a test's own (forked) process;
//  - pause_at, which stops the process (SIGSTOP) at the n-th time it reaches
//    a point, after writing "<pid>\n" to a FIFO the test reads. A test arms
//    it in the real jobctl and jobctl-worker through the environment:
//      JOBCTL_TEST_PAUSE=PROGRAM:POINT:N:FIFO
//    (PROGRAM is the process's short name, jobctl or jobctl-worker; POINT is
//    lock_acquired, slot_half_written or before_unlock), read once per
//    process by its first Repository::open. The stopped process holds the
//    lock, so a SIGKILL the test then sends lands inside the critical section
//    for certain (the torture tests, tests/torture/).

namespace jobctl::testing {

enum class CrashPoint {
    lock_acquired,      // the repository lock is held, nothing written yet
    slot_half_written,  // the journal is armed and a slot is partly overwritten
    child_written,      // a registration of several jobs has written one more child (not yet the parent)
    before_unlock,      // the critical section is done, the lock still held
};

using CrashHook = void (*)(CrashPoint);

void set_crash_hook(CrashHook hook);

// Installs a hook that, the `count`-th time this process reaches `point`,
// writes "<pid>\n" to the FIFO at `report_fifo` (if a reader has it open) and
// raises SIGSTOP. Reaching the point is counted across threads.
void pause_at(CrashPoint point, unsigned count, const char* report_fifo);

// As pause_at, but the process does not stop: the thread that reached the
// point blocks until a byte is written to "<report_fifo>.release" (another
// FIFO), holding whatever it holds. Armed through the environment as
//   JOBCTL_TEST_HOLD=PROGRAM:POINT:N:FIFO
void hold_at(CrashPoint point, unsigned count, const char* report_fifo);

}  // namespace jobctl::testing

namespace jobctl::detail {
void reach_crash_point(testing::CrashPoint point);

// Arms pause_at from JOBCTL_TEST_PAUSE if it names this program; the first
// call in a process reads it, later calls do nothing.
void arm_pause_from_environment();
}  // namespace jobctl::detail
